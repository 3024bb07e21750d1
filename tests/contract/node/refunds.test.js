// Refunds through the Node SDK: partial then full, the charge's bookkeeping, the refund's balance
// transaction and the refusals (TEST_MODE.md §3).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import Stripe from 'stripe';

import {pay, rejection, stripeClient} from './sandbox.js';

const stripe = stripeClient();

test('a partial refund, then the rest: amount_refunded adds up and refunded turns true', async () => {
  const pi = await pay(stripe, {amount: 5000, description: 'Blue mug'});
  const partial = await stripe.refunds.create({charge: pi.latest_charge, amount: 1500, reason: 'duplicate'});
  assert.match(partial.id, /^re_/);
  assert.deepEqual([partial.object, partial.amount, partial.currency, partial.status],
    ['refund', 1500, 'usd', 'succeeded']);
  assert.deepEqual([partial.charge, partial.payment_intent, partial.reason],
    [pi.latest_charge, pi.id, 'duplicate']);
  assert.equal('livemode' in partial, false);  // a Refund has no livemode (§3.1)
  assert.deepEqual(partial.destination_details, {type: 'card', card: {
    type: 'refund', reference_status: 'pending', reference_type: 'acquirer_reference_number'}});

  let charge = await stripe.charges.retrieve(pi.latest_charge);
  assert.deepEqual([charge.amount_refunded, charge.refunded], [1500, false]);

  const rest = await stripe.refunds.create({payment_intent: pi.id});  // amount defaults to what is left
  assert.deepEqual([rest.amount, rest.charge], [3500, pi.latest_charge]);
  charge = await stripe.charges.retrieve(pi.latest_charge, {expand: ['refunds']});
  assert.deepEqual([charge.amount_refunded, charge.refunded], [5000, true]);
  assert.equal(charge.refunds.url, `/v1/charges/${pi.latest_charge}/refunds`);
  assert.deepEqual(charge.refunds.data.map((r) => r.id), [rest.id, partial.id]);  // newest first

  const listed = await stripe.refunds.list({payment_intent: pi.id});
  assert.deepEqual(listed.data.map((r) => r.amount), [3500, 1500]);
});

test('the refund balance transaction gives the amount back and keeps the fee', async () => {
  const pi = await pay(stripe, {amount: 2500, description: 'Blue mug'});
  const refund = await stripe.refunds.create({charge: pi.latest_charge, amount: 1000});
  const bt = await stripe.balanceTransactions.retrieve(refund.balance_transaction);
  assert.deepEqual([bt.type, bt.reporting_category, bt.amount, bt.fee, bt.net],
    ['refund', 'refund', -1000, 0, -1000]);
  assert.deepEqual(bt.fee_details, []);
  assert.equal(bt.source, refund.id);
  assert.equal(bt.description, 'REFUND FOR CHARGE (Blue mug)');
});

test('charge.refunded events follow each refund', async () => {
  const pi = await pay(stripe, {amount: 1000});
  const since = Math.floor(Date.now() / 1000) - 1;
  const partial = await stripe.refunds.create({charge: pi.latest_charge, amount: 400});
  await stripe.refunds.create({charge: pi.latest_charge});
  const events = await stripe.events.list({type: 'charge.refunded', created: {gte: since}, limit: 100});
  const mine = events.data.filter((e) => e.data.object.id === pi.latest_charge).reverse();  // oldest first
  assert.equal(mine.length, 2);
  assert.deepEqual(mine[0].data.previous_attributes, {amount_refunded: 0});
  assert.equal(mine[0].data.object.amount_refunded, partial.amount);
  assert.deepEqual(mine[1].data.previous_attributes, {amount_refunded: 400, refunded: false});
  assert.equal(mine[1].data.object.refunded, true);
});

test('refusals: more than is left, an already refunded charge, neither charge nor payment_intent', async () => {
  const pi = await pay(stripe, {amount: 8000});
  await stripe.refunds.create({charge: pi.latest_charge, amount: 5000});
  const tooMuch = await rejection(stripe.refunds.create({charge: pi.latest_charge, amount: 4000}));
  assert.ok(tooMuch instanceof Stripe.errors.StripeInvalidRequestError, tooMuch.type);
  assert.deepEqual([tooMuch.statusCode, tooMuch.param, tooMuch.code], [400, 'amount', undefined]);
  assert.equal(tooMuch.message, 'Refund amount ($40.00) is greater than unrefunded amount on charge ($30.00)');

  await stripe.refunds.create({charge: pi.latest_charge});
  const again = await rejection(stripe.refunds.create({charge: pi.latest_charge, amount: 1}));
  assert.equal(again.code, 'charge_already_refunded');
  assert.equal(again.message, `Charge ${pi.latest_charge} has already been refunded.`);

  const neither = await rejection(stripe.refunds.create({amount: 100}));
  assert.equal(neither.message,
    'One of the following params should be provided for this request: payment_intent or charge.');

  const unknown = await rejection(stripe.refunds.create({charge: 'ch_missing000000000000000'}));
  assert.deepEqual([unknown.statusCode, unknown.code, unknown.param], [404, 'resource_missing', 'id']);
});
