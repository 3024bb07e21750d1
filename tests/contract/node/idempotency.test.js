// Idempotency keys through the Node SDK (TEST_MODE.md §7.1): a replay returns the stored response
// with Idempotent-Replayed and Original-Request, creates nothing, and a reused key with other
// params is an idempotency error.
import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import {test} from 'node:test';
import Stripe from 'stripe';

import {CARD_PI, pay, rejection, stripeClient} from './sandbox.js';

const stripe = stripeClient();

test('the same key twice returns the same PaymentIntent, marked as replayed', async () => {
  const key = `node-${randomUUID()}`;
  const first = await pay(stripe, {}, {idempotencyKey: key});
  const firstHeaders = first.lastResponse.headers;
  assert.equal(firstHeaders['idempotent-replayed'], undefined);
  assert.equal(firstHeaders['original-request'], firstHeaders['request-id']);

  const again = await pay(stripe, {}, {idempotencyKey: key});
  const againHeaders = again.lastResponse.headers;
  assert.equal(againHeaders['idempotent-replayed'], 'true');
  assert.equal(againHeaders['original-request'], firstHeaders['request-id']);
  assert.notEqual(againHeaders['request-id'], firstHeaders['request-id']);  // a replay has its own id
  assert.equal(again.id, first.id);
  assert.equal(again.latest_charge, first.latest_charge);
  assert.deepEqual(again, first);

  // No second payment: the PI has exactly one charge.
  const charges = await stripe.charges.list({payment_intent: first.id});
  assert.deepEqual(charges.data.map((c) => c.id), [first.latest_charge]);
  // The event records the key it was created under (§7.1).
  const events = await stripe.events.list({type: 'payment_intent.created', created: {gte: first.created},
    limit: 100});
  const created = events.data.filter((e) => e.data.object.id === first.id);
  assert.equal(created.length, 1);
  assert.equal(created[0].request.idempotency_key, key);
});

test('the same key with other params is a StripeIdempotencyError', async () => {
  const key = `node-${randomUUID()}`;
  await stripe.paymentIntents.create(CARD_PI, {idempotencyKey: key});
  const err = await rejection(stripe.paymentIntents.create({...CARD_PI, amount: 999}, {idempotencyKey: key}));
  assert.ok(err instanceof Stripe.errors.StripeIdempotencyError, err.type);
  assert.equal(err.statusCode, 400);
  assert.equal(err.rawType, 'idempotency_error');
  assert.equal(err.code, undefined);  // no code, param or decline_code (§7.1)
  assert.equal(err.param, undefined);
  assert.equal(err.message, 'Keys for idempotent requests can only be used with the same parameters they were ' +
    `first used with. Try using a key other than '${key}' if you meant to execute a different request.`);
});

test('a decline is replayed too, with the same failed charge', async () => {
  const key = `node-${randomUUID()}`;
  const first = await rejection(pay(stripe, {payment_method: 'pm_card_chargeDeclined'}, {idempotencyKey: key}));
  const again = await rejection(pay(stripe, {payment_method: 'pm_card_chargeDeclined'}, {idempotencyKey: key}));
  for (const err of [first, again]) {
    assert.ok(err instanceof Stripe.errors.StripeCardError, err.type);
    assert.equal(err.statusCode, 402);
  }
  assert.equal(first.headers['idempotent-replayed'], undefined);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.raw.charge, first.raw.charge);
  assert.equal(again.payment_intent.id, first.payment_intent.id);
});

test('a request that failed validation is not stored: the same key works once fixed', async () => {
  const key = `node-${randomUUID()}`;
  const bad = await rejection(stripe.paymentIntents.create({...CARD_PI, colour: 'red'}, {idempotencyKey: key}));
  assert.equal(bad.code, 'parameter_unknown');
  const good = await stripe.paymentIntents.create(CARD_PI, {idempotencyKey: key});
  assert.equal(good.status, 'requires_payment_method');
  assert.equal(good.lastResponse.headers['idempotent-replayed'], undefined);
});
