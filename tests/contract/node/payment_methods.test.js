// SDK configuration against the sandbox, and PaymentMethods from the magic pm_card_* ids
// (TEST_MODE.md §1.1, §1.2, §1.5, §8.4).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import Stripe from 'stripe';

import {KEY, SANDBOX_URL, rejection, stripeClient} from './sandbox.js';

const stripe = stripeClient();

test('the SDK talks plain http to the sandbox and sends its pinned API version', async () => {
  const seen = [];
  const record = (event) => seen.push(event);
  stripe.on('request', record);
  const balance = await stripe.balance.retrieve();
  stripe.off('request', record);
  assert.equal(balance.object, 'balance');
  assert.equal(balance.livemode, false);
  const headers = balance.lastResponse.headers;
  assert.match(headers['request-id'], /^req_/);
  // The sandbox answers in the version the request pinned (§8.4), which is the SDK's own pin.
  assert.equal(headers['stripe-version'], Stripe.API_VERSION);
  assert.equal(Stripe.API_VERSION, process.env.PROJECT_API_VERSION);
  assert.equal(seen.length, 1);
  assert.equal(seen[0].method, 'GET');
  assert.equal(seen[0].path, '/v1/balance');
  assert.ok(SANDBOX_URL.startsWith('http://127.0.0.1:'), SANDBOX_URL);
});

test('retrieving pm_card_visa makes a new Visa PaymentMethod of its own', async () => {
  const first = await stripe.paymentMethods.retrieve('pm_card_visa');
  const second = await stripe.paymentMethods.retrieve('pm_card_visa');
  for (const pm of [first, second]) {
    assert.equal(pm.object, 'payment_method');
    assert.equal(pm.type, 'card');
    assert.match(pm.id, /^pm_/);
    assert.notEqual(pm.id, 'pm_card_visa');
    assert.equal(pm.customer, null);  // not attached by default (§1.1)
    assert.equal(pm.card.brand, 'visa');
    assert.equal(pm.card.last4, '4242');
    assert.equal(pm.card.funding, 'credit');
    assert.equal(pm.card.country, 'US');
  }
  assert.notEqual(first.id, second.id);  // each use of a magic id is a new object (§1.1)
  const now = new Date();
  assert.equal(first.card.exp_month, now.getUTCMonth() + 1);  // current month, next year (§1.1)
  assert.equal(first.card.exp_year, now.getUTCFullYear() + 1);
});

test('other magic ids carry their brand and last4', async () => {
  const cases = [['pm_card_mastercard', 'mastercard', '4444'], ['pm_card_amex', 'amex', '0005'],
    ['pm_card_visa_debit', 'visa', '5556']];
  for (const [magic, brand, last4] of cases) {
    const pm = await stripe.paymentMethods.retrieve(magic);
    assert.deepEqual([pm.card.brand, pm.card.last4], [brand, last4], magic);
  }
  const debit = await stripe.paymentMethods.retrieve('pm_card_visa_debit');
  assert.equal(debit.card.funding, 'debit');
});

test('pm_card_visa attaches to a customer; a decline card cannot be attached', async () => {
  const customer = await stripe.customers.create({email: 'node-attach@example.com'});
  const pm = await stripe.paymentMethods.attach('pm_card_visa', {customer: customer.id});
  assert.equal(pm.customer, customer.id);
  assert.equal(pm.card.last4, '4242');
  const listed = await stripe.paymentMethods.list({customer: customer.id, type: 'card'});
  assert.deepEqual(listed.data.map((p) => p.id), [pm.id]);
  const err = await rejection(stripe.paymentMethods.attach('pm_card_chargeDeclined', {customer: customer.id}));
  assert.ok(err instanceof Stripe.errors.StripeCardError, err.type);
  assert.equal(err.code, 'card_declined');
});

test('a PaymentMethod from raw card numbers is refused with a secret key (§1.1)', async () => {
  const err = await rejection(stripe.paymentMethods.create({
    type: 'card', card: {number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123'}}));
  // A 402, so the SDK raises its card error class whatever the body's type.
  assert.equal(err.statusCode, 402);
  assert.ok(err instanceof Stripe.errors.StripeCardError, err.type);
  assert.match(err.message, /generally unsafe/);
  assert.ok(!err.message.includes(KEY));
});
