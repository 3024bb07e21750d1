// Shared helpers for the Node SDK contract tests (not a test file: the runner only picks *.test.js).
// tests/contract/test_node_sdk.py starts the sandbox and passes its address in SANDBOX_URL.
import assert from 'node:assert/strict';
import Stripe from 'stripe';

export const KEY = process.env.STRIPE_SECRET_KEY || 'sk_test_node';
// Params every card PaymentIntent here uses: on current API versions a PI without
// payment_method_types gets automatic_payment_methods, whose confirm needs a return_url
// (TEST_MODE.md §2.1), so card-only PIs are the portable way to confirm server-side.
export const CARD_PI = {amount: 2000, currency: 'usd', payment_method_types: ['card']};

function sandboxAddress() {
  const raw = process.env.SANDBOX_URL;
  if (!raw) {
    throw new Error('SANDBOX_URL is not set: run these through tests/contract/test_node_sdk.py');
  }
  const url = new URL(raw);
  return {host: url.hostname, port: Number(url.port), protocol: url.protocol.replace(':', '')};
}

export const SANDBOX_URL = process.env.SANDBOX_URL;

/** The official Node SDK pointed at the sandbox, as an integration would configure it (no retries). */
export function stripeClient(key = KEY) {
  return new Stripe(key, {...sandboxAddress(), maxNetworkRetries: 0});
}

/** A confirmed card PaymentIntent. */
export function pay(stripe, params = {}, options = undefined) {
  return stripe.paymentIntents.create(
    {...CARD_PI, payment_method: 'pm_card_visa', confirm: true, ...params}, options);
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise) {
  try {
    const value = await promise;
    assert.fail(`expected a rejection, got ${JSON.stringify(value).slice(0, 300)}`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    return err;
  }
}

/** Polls ``check`` until it returns a truthy value (bounded), for things the sandbox finishes
 * on its worker thread right after a request (automatic_async capture, webhook deliveries). */
export async function eventually(check, {timeoutMs = 5000, what = 'condition'} = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Press COMPLETE or FAIL on the sandbox's 3DS test page (its stand-in for Stripe's test ACS). */
export async function answerChallenge(pi, action) {
  const next = pi.next_action;
  const url = next.type === 'redirect_to_url' ? next.redirect_to_url.url : next.use_stripe_sdk.stripe_js;
  const resp = await fetch(url, {method: 'POST', body: new URLSearchParams({action}), redirect: 'manual'});
  assert.ok([200, 303].includes(resp.status), `challenge page answered ${resp.status}`);
}
