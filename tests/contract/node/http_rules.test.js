// The sandbox's HTTP-level rules through the Node SDK: a blank Idempotency-Key is refused (never a
// key shared by every caller who sends one), an unknown Stripe-Version is a 400 as on Stripe
// (TEST_MODE.md §8.4), and every error carries a request_log_url (§7.2) that the SDK keeps.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import Stripe from 'stripe';

import {CARD_PI, SANDBOX_URL, rejection, stripeClient} from './sandbox.js';

const stripe = stripeClient();
const LOG_URL = /^http:\/\/[^/]+\/_sandbox\/logs\/(req_[A-Za-z0-9]+)\?t=\d{10}$/;

test('a blank Idempotency-Key (spaces, a tab) is a 400 and creates nothing', async () => {
  const newest = async () => (await stripe.customers.list({limit: 1})).data.map((c) => c.id);
  const before = await newest();
  for (const blank of [' ', '\t', '  \t ']) {
    const err = await rejection(stripe.customers.create({email: 'blank-node@example.com'}, {idempotencyKey: blank}));
    assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError, err.type);
    assert.equal(err.statusCode, 400);
    assert.equal(err.param, 'Idempotency-Key');
    assert.match(err.message, /blank/);
    assert.equal(err.headers['idempotent-replayed'], undefined);
  }
  assert.deepEqual(await newest(), before);  // no customer was created
});

test('an unknown Stripe-Version is a StripeInvalidRequestError naming the version', async () => {
  for (const version of ['2099-01-01', '2025-07-30', '2026-10-28.zebra', '2024-02-30']) {
    const err = await rejection(stripe.balance.retrieve({}, {apiVersion: version}));
    assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError, `${version}: ${err.type}`);
    assert.equal(err.statusCode, 400);
    assert.equal(err.rawType, 'invalid_request_error');
    assert.equal(err.message, `Invalid Stripe API version: ${version}`);
  }
  const known = await stripe.balance.retrieve({}, {apiVersion: '2025-03-31.basil'});
  assert.equal(known.lastResponse.headers['stripe-version'], '2025-03-31.basil');
});

test('errors carry a request_log_url naming their request, and it opens', async () => {
  const failures = [
    () => stripe.paymentIntents.create({currency: 'usd'}),                                  // 400
    () => stripe.customers.retrieve('cus_node_nobody'),                                       // 404
    () => stripeClient('sk_live_node0123456789abcdef').balance.retrieve(),                    // 401
    () => stripe.paymentIntents.create({...CARD_PI, payment_method: 'pm_card_chargeDeclined', confirm: true}),  // 402
  ];
  for (const failure of failures) {
    const err = await rejection(failure());
    assert.ok(err instanceof Stripe.errors.StripeError, String(err));
    const m = LOG_URL.exec(err.request_log_url);
    assert.ok(m, `no request_log_url on ${err.type}: ${err.request_log_url}`);
    assert.equal(m[1], err.requestId);
    assert.equal(err.raw.request_log_url, err.request_log_url);
    const page = await fetch(err.request_log_url);
    assert.equal(page.status, 200);
    const logged = await page.json();
    assert.equal(logged.id, err.requestId);
    assert.equal(logged.status, err.statusCode);
    assert.equal(logged.error.message, err.message);
  }
  assert.ok(SANDBOX_URL);
});
