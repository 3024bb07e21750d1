// Errors through the Node SDK: card declines and Stripe's v1 error envelope
// (TEST_MODE.md §1.5, §2.4, §2.6, §7.2).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import Stripe from 'stripe';

import {CARD_PI, pay, rejection, stripeClient} from './sandbox.js';

const stripe = stripeClient();

test('pm_card_chargeDeclined is a StripeCardError with the card_declined / generic_decline body', async () => {
  const err = await rejection(pay(stripe, {payment_method: 'pm_card_chargeDeclined'}));
  assert.ok(err instanceof Stripe.errors.StripeCardError, err.type);
  assert.equal(err.type, 'StripeCardError');
  assert.equal(err.statusCode, 402);
  assert.deepEqual([err.code, err.decline_code], ['card_declined', 'generic_decline']);
  assert.equal(err.message, 'Your card was declined.');
  assert.equal(err.doc_url, 'https://stripe.com/docs/error-codes/card-declined');
  assert.match(err.requestId, /^req_/);
  assert.equal(err.requestId, err.headers['request-id']);

  const raw = err.raw;  // the parsed "error" object plus the response's status and headers
  assert.equal(raw.type, 'card_error');
  assert.equal(raw.advice_code, 'try_again_later');
  assert.match(raw.charge, /^ch_/);
  assert.equal(raw.payment_method_type, 'card');
  assert.equal(raw.payment_method.object, 'payment_method');
  assert.equal(raw.payment_method.card.last4, '0002');
  assert.equal(raw.statusCode, 402);
  assert.equal('param' in raw, false);  // fields that do not apply are omitted (§7.2)

  // The body carries the full PI, back in requires_payment_method with the error on it (§1.5).
  const pi = raw.payment_intent;
  assert.equal(pi.object, 'payment_intent');
  assert.equal(pi.status, 'requires_payment_method');
  assert.equal(pi.payment_method, null);
  assert.equal(pi.latest_charge, raw.charge);
  assert.deepEqual([pi.last_payment_error.code, pi.last_payment_error.decline_code],
    ['card_declined', 'generic_decline']);

  const charge = await stripe.charges.retrieve(raw.charge);
  assert.deepEqual([charge.status, charge.paid, charge.captured, charge.amount_captured],
    ['failed', false, false, 0]);
  assert.equal(charge.failure_code, 'card_declined');
  assert.equal(charge.failure_message, 'Your card was declined.');
  assert.equal(charge.balance_transaction, null);
  assert.equal(charge.outcome.network_status, 'declined_by_network');
  assert.equal(charge.outcome.type, 'issuer_declined');
  assert.equal(charge.outcome.reason, 'generic_decline');
  assert.equal(charge.outcome.seller_message, 'The bank did not return any further details with this decline.');
});

test('insufficient funds names its decline_code; a good card then pays the same PI', async () => {
  const err = await rejection(pay(stripe, {payment_method: 'pm_card_visa_chargeDeclinedInsufficientFunds'}));
  assert.ok(err instanceof Stripe.errors.StripeCardError, err.type);
  assert.deepEqual([err.code, err.decline_code], ['card_declined', 'insufficient_funds']);
  assert.equal(err.message, 'Your card has insufficient funds.');
  const retried = await stripe.paymentIntents.confirm(err.payment_intent.id, {payment_method: 'pm_card_visa'});
  assert.equal(retried.status, 'succeeded');
  assert.equal(retried.last_payment_error, null);
  assert.notEqual(retried.latest_charge, err.raw.charge);
  const charges = await stripe.charges.list({payment_intent: retried.id});
  assert.deepEqual(charges.data.map((c) => [c.id, c.status]),  // newest first
    [[retried.latest_charge, 'succeeded'], [err.raw.charge, 'failed']]);
});

test('other decline cards give their own code (§1.5)', async () => {
  const cases = [['pm_card_chargeDeclinedExpiredCard', 'expired_card', 'Your card has expired.'],
    ['pm_card_chargeDeclinedIncorrectCvc', 'incorrect_cvc', "Your card's security code is incorrect."],
    ['pm_card_visa_chargeDeclinedLostCard', 'card_declined', 'Your card was declined.']];
  for (const [magic, code, message] of cases) {
    const err = await rejection(pay(stripe, {payment_method: magic}));
    assert.ok(err instanceof Stripe.errors.StripeCardError, `${magic}: ${err.type}`);
    assert.deepEqual([err.code, err.message], [code, message], magic);
  }
});

test('a missing required param is a StripeInvalidRequestError naming the param', async () => {
  const err = await rejection(stripe.paymentIntents.create({currency: 'usd'}));
  assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError, err.type);
  assert.equal(err.type, 'StripeInvalidRequestError');
  assert.equal(err.rawType, 'invalid_request_error');
  assert.deepEqual([err.statusCode, err.code, err.param], [400, 'parameter_missing', 'amount']);
  assert.equal(err.message, 'Missing required param: amount.');
  assert.equal(err.doc_url, 'https://stripe.com/docs/error-codes/parameter-missing');
  assert.equal('decline_code' in err.raw, false);
});

test('an unknown param, a too-small amount and an unknown id', async () => {
  const unknown = await rejection(stripe.paymentIntents.create({...CARD_PI, colour: 'red'}));
  assert.deepEqual([unknown.statusCode, unknown.code, unknown.param], [400, 'parameter_unknown', 'colour']);
  assert.equal(unknown.message, 'Received unknown parameter: colour');

  const small = await rejection(stripe.paymentIntents.create({...CARD_PI, amount: 49}));
  assert.deepEqual([small.code, small.param], ['amount_too_small', 'amount']);
  assert.equal(small.message, 'Amount must be at least $0.50 usd');

  const zero = await rejection(stripe.paymentIntents.create({...CARD_PI, amount: 0}));
  assert.deepEqual([zero.code, zero.param], ['parameter_invalid_integer', 'amount']);
  assert.equal(zero.message, 'This value must be greater than or equal to 1.');

  const missing = await rejection(stripe.paymentIntents.retrieve('pi_missing'));
  assert.ok(missing instanceof Stripe.errors.StripeInvalidRequestError, missing.type);
  assert.deepEqual([missing.statusCode, missing.code, missing.param], [404, 'resource_missing', 'intent']);
  assert.equal(missing.message, "No such payment_intent: 'pi_missing'");
  const noCharge = await rejection(stripe.charges.retrieve('ch_missing'));
  assert.deepEqual([noCharge.statusCode, noCharge.param], [404, 'id']);
});

test('a bad key is a StripeAuthenticationError that never shows the whole key', async () => {
  const key = 'rk_bogus_node_1234567890';
  const err = await rejection(stripeClient(key).customers.list());
  assert.ok(err instanceof Stripe.errors.StripeAuthenticationError, err.type);
  assert.equal(err.statusCode, 401);
  assert.equal(err.rawType, 'invalid_request_error');
  assert.match(err.message, /^Invalid API Key provided: rk_bogus\*+7890$/);
  assert.ok(!JSON.stringify(err.raw).includes(key));
});
