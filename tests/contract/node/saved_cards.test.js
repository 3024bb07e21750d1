// Saving cards and paying later through the Node SDK: SetupIntents (with 3-D Secure on setup),
// setup_future_usage, off-session payments and the return_url rule of automatic_payment_methods
// (TEST_MODE.md §1.11, §1.12, §2.1, §2.5).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import Stripe from 'stripe';

import {CARD_PI, answerChallenge, rejection, stripeClient} from './sandbox.js';

const stripe = stripeClient();
const RETURN_URL = 'https://shop.example/return';
// TEST_MODE §2.1: Stripe's message when a confirm lacks a return_url while redirects are allowed.
const RETURN_URL_REQUIRED = 'A `return_url` must be specified because this Payment Intent is configured to '
  + 'automatically accept the payment methods enabled in the Dashboard, some of which may require a full page '
  + 'redirect to succeed. If you do not want to accept redirect-based payment methods, set '
  + '`automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` '
  + 'when creating Setup Intents and Payment Intents.';

/** Types of the events about ``objectId``, oldest first. */
async function eventTypes(objectId, since) {
  const page = await stripe.events.list({created: {gte: since - 1}, limit: 100});
  return page.data.filter((e) => e.data.object.id === objectId).map((e) => e.type).reverse();
}

/** A card saved for ``customer`` with a SetupIntent (3DS answered when the card asks for it). */
async function saveCard(customer, paymentMethod) {
  const si = await stripe.setupIntents.create({customer, payment_method: paymentMethod, confirm: true,
    return_url: RETURN_URL});
  if (si.status === 'requires_action') await answerChallenge(si, 'complete');
  return stripe.setupIntents.retrieve(si.id);
}

test('a SetupIntent saves pm_card_visa for the customer without charging it', async () => {
  const since = Math.floor(Date.now() / 1000);
  const customer = await stripe.customers.create({email: 'node-save@example.com'});
  const created = await stripe.setupIntents.create({customer: customer.id});
  assert.equal(created.object, 'setup_intent');
  assert.match(created.id, /^seti_/);
  assert.equal(created.status, 'requires_payment_method');
  assert.equal(created.usage, 'off_session');  // the default
  assert.ok(created.client_secret.startsWith(`${created.id}_secret_`));
  // On by default since 2023-08-16 when payment_method_types is not given (§2.1).
  assert.deepEqual(created.automatic_payment_methods, {enabled: true, allow_redirects: 'always'});

  const si = await stripe.setupIntents.confirm(created.id, {payment_method: 'pm_card_visa', return_url: RETURN_URL});
  assert.equal(si.status, 'succeeded');
  assert.equal(si.next_action, null);
  assert.equal(si.last_setup_error, null);
  const pm = await stripe.paymentMethods.retrieve(si.payment_method);
  assert.equal(pm.customer, customer.id);  // attached on success
  assert.equal(pm.card.last4, '4242');
  const types = await eventTypes(si.id, since);
  assert.deepEqual(types, ['setup_intent.created', 'setup_intent.succeeded']);
  assert.deepEqual(await eventTypes(pm.id, since), ['payment_method.attached']);
  const charges = await stripe.charges.list({customer: customer.id});
  assert.equal(charges.data.length, 0);  // a setup moves no money

  const listed = await stripe.setupIntents.list({customer: customer.id});
  assert.deepEqual(listed.data.map((s) => s.id), [si.id]);
  const byCard = await stripe.setupIntents.list({payment_method: pm.id});
  assert.deepEqual(byCard.data.map((s) => s.id), [si.id]);
});

test('4000002500003155 needs 3-D Secure on setup, then pays off-session without it', async () => {
  const customer = await stripe.customers.create();
  const si = await stripe.setupIntents.create({customer: customer.id, confirm: true, return_url: RETURN_URL,
    payment_method: 'pm_card_authenticationRequiredOnSetup'});
  assert.equal(si.status, 'requires_action');
  assert.equal(si.next_action.type, 'redirect_to_url');
  assert.equal(si.next_action.redirect_to_url.return_url, RETURN_URL);
  await answerChallenge(si, 'complete');
  const done = await stripe.setupIntents.retrieve(si.id);
  assert.equal(done.status, 'succeeded');

  const pi = await stripe.paymentIntents.create({amount: 1500, currency: 'usd', customer: customer.id,
    payment_method: done.payment_method, off_session: true, confirm: true});
  assert.equal(pi.status, 'succeeded');
  assert.equal(pi.next_action, null);
});

test('failing 3-D Secure on setup saves nothing', async () => {
  const customer = await stripe.customers.create();
  const si = await stripe.setupIntents.create({customer: customer.id, confirm: true, return_url: RETURN_URL,
    payment_method: 'pm_card_threeDSecure2Required'});
  assert.equal(si.status, 'requires_action');
  await answerChallenge(si, 'fail');
  const failed = await stripe.setupIntents.retrieve(si.id);
  assert.equal(failed.status, 'requires_payment_method');
  assert.equal(failed.payment_method, null);
  assert.equal(failed.last_setup_error.code, 'setup_intent_authentication_failure');
  const saved = await stripe.customers.listPaymentMethods(customer.id);
  assert.equal(saved.data.length, 0);
});

test('4000002760003184 always authenticates: off-session is declined with authentication_required', async () => {
  const customer = await stripe.customers.create();
  const saved = await saveCard(customer.id, 'pm_card_authenticationRequired');
  assert.equal(saved.status, 'succeeded');
  const err = await rejection(stripe.paymentIntents.create({amount: 2000, currency: 'usd', customer: customer.id,
    payment_method: saved.payment_method, off_session: true, confirm: true}));
  assert.ok(err instanceof Stripe.errors.StripeCardError, err.type);
  assert.equal(err.statusCode, 402);
  assert.equal(err.code, 'authentication_required');
  assert.equal(err.decline_code, 'authentication_required');
  assert.equal(err.payment_intent.status, 'requires_payment_method');  // the refused create leaves a PI (§1.12)
});

test('setup_future_usage attaches the card to the customer, which then pays off-session', async () => {
  const customer = await stripe.customers.create();
  const first = await stripe.paymentIntents.create({amount: 2000, currency: 'usd', customer: customer.id,
    payment_method: 'pm_card_visa', setup_future_usage: 'off_session', confirm: true, return_url: RETURN_URL});
  assert.equal(first.status, 'succeeded');
  assert.equal(first.setup_future_usage, 'off_session');
  const pm = await stripe.paymentMethods.retrieve(first.payment_method);
  assert.equal(pm.customer, customer.id);
  const later = await stripe.paymentIntents.create({amount: 900, currency: 'usd', customer: customer.id,
    payment_method: pm.id, off_session: true, confirm: true});
  assert.equal(later.status, 'succeeded');
});

test('confirming without a return_url is a 400 unless card-only, redirect-free or off-session', async () => {
  const err = await rejection(stripe.paymentIntents.create({amount: 2000, currency: 'usd',
    payment_method: 'pm_card_visa', confirm: true}));
  assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError, err.type);
  assert.equal(err.statusCode, 400);
  assert.equal(err.message, RETURN_URL_REQUIRED);

  const never = await stripe.paymentIntents.create({amount: 2000, currency: 'usd', payment_method: 'pm_card_visa',
    confirm: true, automatic_payment_methods: {enabled: true, allow_redirects: 'never'}});
  assert.equal(never.status, 'succeeded');
  assert.deepEqual(never.automatic_payment_methods, {enabled: true, allow_redirects: 'never'});
  const cardOnly = await stripe.paymentIntents.create({...CARD_PI, payment_method: 'pm_card_visa', confirm: true});
  assert.equal(cardOnly.status, 'succeeded');
  assert.equal(cardOnly.automatic_payment_methods, null);

  const open = await stripe.paymentIntents.create({amount: 2000, currency: 'usd'});
  const confirmErr = await rejection(stripe.paymentIntents.confirm(open.id, {payment_method: 'pm_card_visa'}));
  assert.equal(confirmErr.statusCode, 400);
  assert.equal((await stripe.paymentIntents.retrieve(open.id)).status, 'requires_payment_method');

  const setupErr = await rejection(stripe.setupIntents.create({payment_method: 'pm_card_visa', confirm: true}));
  assert.equal(setupErr.statusCode, 400);
  assert.ok(setupErr instanceof Stripe.errors.StripeInvalidRequestError, setupErr.type);
});
