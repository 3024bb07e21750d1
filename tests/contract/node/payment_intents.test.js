// PaymentIntents through the Node SDK: confirm with a charge and balance transaction, 3DS,
// manual capture, cancel (TEST_MODE.md §1.11, §1.12, §2.1, §2.2, §2.6, §5.1, §5.3).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import Stripe from 'stripe';

import {CARD_PI, answerChallenge, eventually, pay, rejection, stripeClient} from './sandbox.js';

const stripe = stripeClient();

/** The charge with its balance transaction expanded, once automatic_async capture has written it. */
function chargeWithBalanceTransaction(chargeId) {
  return eventually(async () => {
    const charge = await stripe.charges.retrieve(chargeId, {expand: ['balance_transaction']});
    return charge.balance_transaction && charge;
  }, {what: `balance transaction of ${chargeId}`});
}

test('create then confirm with pm_card_visa succeeds with a charge and a balance transaction', async () => {
  const created = await stripe.paymentIntents.create({...CARD_PI, description: 'Node mug'});
  assert.equal(created.status, 'requires_payment_method');
  assert.equal(created.latest_charge, null);  // null until the first confirmation attempt (§2.1)
  assert.ok(created.client_secret.startsWith(`${created.id}_secret_`));
  assert.deepEqual(created.payment_method_types, ['card']);
  // automatic_async is the default capture method since API 2024-04-10 (§2.1).
  assert.equal(created.capture_method, 'automatic_async');

  const pi = await stripe.paymentIntents.confirm(created.id, {payment_method: 'pm_card_visa'});
  assert.equal(pi.status, 'succeeded');
  assert.equal(pi.amount_received, 2000);
  assert.equal(pi.amount_capturable, 0);
  assert.equal(pi.next_action, null);
  assert.equal(pi.last_payment_error, null);
  assert.match(pi.latest_charge, /^ch_/);
  assert.match(pi.payment_method, /^pm_/);

  const charge = await chargeWithBalanceTransaction(pi.latest_charge);
  assert.deepEqual([charge.status, charge.paid, charge.captured], ['succeeded', true, true]);
  assert.deepEqual([charge.amount, charge.amount_captured, charge.amount_refunded], [2000, 2000, 0]);
  assert.equal(charge.payment_intent, pi.id);
  assert.equal(charge.payment_method, pi.payment_method);
  assert.equal(charge.refunded, false);
  assert.equal(charge.outcome.type, 'authorized');
  assert.equal(charge.outcome.network_status, 'approved_by_network');
  assert.equal(charge.outcome.seller_message, 'Payment complete.');
  assert.equal(charge.payment_method_details.card.last4, '4242');
  assert.equal(charge.payment_method_details.card.brand, 'visa');

  const bt = charge.balance_transaction;
  assert.equal(bt.object, 'balance_transaction');
  assert.deepEqual([bt.type, bt.reporting_category, bt.source], ['charge', 'charge', charge.id]);
  assert.deepEqual([bt.amount, bt.currency], [2000, 'usd']);
  assert.equal(bt.fee, 88);  // US domestic card: 2.9% + 30¢ of $20.00 (§5.3)
  assert.equal(bt.net, 1912);
  assert.deepEqual(bt.fee_details.map((f) => [f.type, f.amount, f.description]),
    [['stripe_fee', 88, 'Stripe processing fees']]);
  assert.equal(bt.exchange_rate, null);
  assert.ok(['pending', 'available'].includes(bt.status), bt.status);
  // A PI's charge and balance transaction share its id body (§2.1).
  assert.equal(charge.id, `ch_${pi.id.slice(3)}`);
  assert.equal(bt.id, `txn_${pi.id.slice(3)}`);
});

test('expand on retrieve returns the charge and payment method objects', async () => {
  const pi = await pay(stripe);
  const full = await stripe.paymentIntents.retrieve(pi.id, {expand: ['latest_charge', 'payment_method']});
  assert.equal(full.latest_charge.object, 'charge');
  assert.equal(full.latest_charge.id, pi.latest_charge);
  assert.equal(full.payment_method.object, 'payment_method');
  assert.equal(full.payment_method.card.last4, '4242');
});

test('a 3DS card needs action (use_stripe_sdk), then COMPLETE on the challenge succeeds', async () => {
  const pi = await pay(stripe, {payment_method: 'pm_card_threeDSecure2Required'});
  assert.equal(pi.status, 'requires_action');
  assert.equal(pi.next_action.type, 'use_stripe_sdk');  // no return_url: the SDK flow (§1.12, §9)
  assert.equal(pi.next_action.use_stripe_sdk.type, 'stripe_3ds2_fingerprint');
  assert.equal(pi.amount_received, 0);
  await answerChallenge(pi, 'complete');
  const done = await stripe.paymentIntents.retrieve(pi.id);
  assert.equal(done.status, 'succeeded');
  assert.equal(done.next_action, null);
  const charge = await stripe.charges.retrieve(done.latest_charge);
  assert.equal(charge.payment_method_details.card.three_d_secure.result, 'authenticated');
});

test('a 3DS card with a return_url redirects; FAIL on the challenge returns the PI for a new method', async () => {
  const returnUrl = 'https://shop.example/orders/42/complete';
  const pi = await pay(stripe, {payment_method: 'pm_card_threeDSecure2Required', return_url: returnUrl});
  assert.equal(pi.status, 'requires_action');
  assert.equal(pi.next_action.type, 'redirect_to_url');
  assert.equal(pi.next_action.redirect_to_url.return_url, returnUrl);
  assert.equal(typeof pi.next_action.redirect_to_url.url, 'string');
  await answerChallenge(pi, 'fail');
  const failed = await stripe.paymentIntents.retrieve(pi.id);
  assert.equal(failed.status, 'requires_payment_method');
  assert.equal(failed.last_payment_error.code, 'payment_intent_authentication_failure');
  assert.equal(failed.last_payment_error.type, 'invalid_request_error');
  assert.equal(failed.last_payment_error.doc_url,
    'https://stripe.com/docs/error-codes/payment-intent-authentication-failure');
});

test('manual capture authorizes, then a partial capture settles only the captured amount', async () => {
  const pi = await pay(stripe, {capture_method: 'manual'});
  assert.equal(pi.status, 'requires_capture');
  assert.deepEqual([pi.amount_capturable, pi.amount_received], [2000, 0]);
  const authorized = await stripe.charges.retrieve(pi.latest_charge);
  assert.deepEqual([authorized.status, authorized.paid, authorized.captured, authorized.amount_captured],
    ['succeeded', true, false, 0]);
  assert.equal(authorized.balance_transaction, null);

  const captured = await stripe.paymentIntents.capture(pi.id, {amount_to_capture: 1500});
  assert.equal(captured.status, 'succeeded');
  assert.deepEqual([captured.amount_received, captured.amount_capturable], [1500, 0]);
  const charge = await stripe.charges.retrieve(pi.latest_charge, {expand: ['balance_transaction']});
  assert.deepEqual([charge.captured, charge.amount_captured, charge.amount, charge.amount_refunded],
    [true, 1500, 2000, 0]);
  // Since basil one balance transaction, for the captured amount (§2.2).
  const bt = charge.balance_transaction;
  assert.deepEqual([bt.type, bt.amount, bt.source], ['charge', 1500, charge.id]);
  assert.equal(bt.net, bt.amount - bt.fee);
});

test('capturing more than was authorized is amount_too_large', async () => {
  const pi = await pay(stripe, {capture_method: 'manual'});
  const err = await rejection(stripe.paymentIntents.capture(pi.id, {amount_to_capture: 2001}));
  assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError, err.type);
  assert.deepEqual([err.statusCode, err.code, err.param], [400, 'amount_too_large', 'amount_to_capture']);
  assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'requires_capture');
});

test('cancel with a reason, and cancelling an authorization releases it', async () => {
  const open = await stripe.paymentIntents.create(CARD_PI);
  const canceled = await stripe.paymentIntents.cancel(open.id, {cancellation_reason: 'requested_by_customer'});
  assert.equal(canceled.status, 'canceled');
  assert.equal(canceled.cancellation_reason, 'requested_by_customer');
  assert.equal(typeof canceled.canceled_at, 'number');

  const held = await pay(stripe, {capture_method: 'manual'});
  const released = await stripe.paymentIntents.cancel(held.id);
  assert.equal(released.status, 'canceled');
  assert.equal(released.cancellation_reason, null);  // null without a reason (§2.1)
  assert.equal(released.amount_capturable, 0);
  const charge = await stripe.charges.retrieve(held.latest_charge);
  // Since basil: no refund, refunded stays false and amount_captured is 0 (§2.2).
  assert.deepEqual([charge.refunded, charge.amount_refunded, charge.amount_captured], [false, 0, 0]);
});

test('cancelling a succeeded PaymentIntent is payment_intent_unexpected_state', async () => {
  const pi = await pay(stripe);
  const err = await rejection(stripe.paymentIntents.cancel(pi.id));
  assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError, err.type);
  assert.deepEqual([err.statusCode, err.code], [400, 'payment_intent_unexpected_state']);
  assert.equal(err.message, 'You cannot cancel this PaymentIntent because it has a status of succeeded. ' +
    'Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, ' +
    'requires_capture, requires_confirmation, requires_action.');
  assert.equal(err.payment_intent.id, pi.id);  // the body carries the full PI (§2.6)
  assert.equal(err.payment_intent.status, 'succeeded');
});
