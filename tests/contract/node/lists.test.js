// Lists and the Node SDK's auto-pagination (TEST_MODE.md §8.1): newest first, limit 1..100
// (default 10), cursors, has_more, and `for await` walking every page.
import assert from 'node:assert/strict';
import {before, test} from 'node:test';
import Stripe from 'stripe';

import {CARD_PI, rejection, stripeClient} from './sandbox.js';

const stripe = stripeClient();
const COUNT = 25;
// 25 PaymentIntents of one new customer (the customer filter keeps the pages to exactly these),
// and 25 customers; each list oldest first.
const made = {customer: null, pis: [], customers: []};

before(async () => {
  made.customer = (await stripe.customers.create({email: 'node-lists@example.com'})).id;
  for (let i = 0; i < COUNT; i += 1) {
    made.pis.push((await stripe.paymentIntents.create({...CARD_PI, customer: made.customer})).id);
    made.customers.push(await stripe.customers.create({email: `node-list-${i}@example.com`}));
  }
});

/** Paths of the requests the SDK sends while ``body`` runs. */
async function requestPaths(body) {
  const seen = [];
  const record = (event) => seen.push(event.path);
  stripe.on('request', record);
  try {
    await body();
  } finally {
    stripe.off('request', record);
  }
  return seen;
}

test('for await walks 25 PaymentIntents over three pages, newest first', async () => {
  const newestFirst = [...made.pis].reverse();
  const first = await stripe.paymentIntents.list({customer: made.customer, limit: 10});
  assert.equal(first.object, 'list');
  assert.equal(first.url, '/v1/payment_intents');
  assert.equal(first.has_more, true);
  assert.deepEqual(first.data.map((pi) => pi.id), newestFirst.slice(0, 10));

  const walked = [];
  const paths = await requestPaths(async () => {
    for await (const pi of stripe.paymentIntents.list({customer: made.customer, limit: 10})) {
      walked.push(pi.id);
    }
  });
  assert.deepEqual(walked, newestFirst);
  assert.equal(paths.length, 3);  // 10 + 10 + 5: the last page says has_more false
  assert.ok(paths[1].includes(`starting_after=${newestFirst[9]}`), paths[1]);
  assert.ok(paths[2].includes(`starting_after=${newestFirst[19]}`), paths[2]);
  assert.ok(paths.every((p) => p.includes(`customer=${made.customer}`)), paths.join(' '));
});

test('for await over customers meets all 25, newest first', async () => {
  const mine = new Set(made.customers.map((c) => c.id));
  const walked = [];
  for await (const customer of stripe.customers.list({limit: 10, created: {gte: made.customers[0].created}})) {
    if (mine.has(customer.id)) walked.push(customer.id);
  }
  assert.deepEqual(walked, made.customers.map((c) => c.id).reverse());
});

test('cursors page forward and backward; autoPagingToArray stops at its limit', async () => {
  const newestFirst = [...made.pis].reverse();
  const filter = {customer: made.customer};
  const second = await stripe.paymentIntents.list({...filter, limit: 10, starting_after: newestFirst[9]});
  assert.deepEqual(second.data.map((pi) => pi.id), newestFirst.slice(10, 20));
  assert.equal(second.has_more, true);
  const last = await stripe.paymentIntents.list({...filter, limit: 10, starting_after: newestFirst[19]});
  assert.deepEqual(last.data.map((pi) => pi.id), newestFirst.slice(20));
  assert.equal(last.has_more, false);
  const earlier = await stripe.paymentIntents.list({...filter, limit: 3, ending_before: newestFirst[5]});
  assert.deepEqual(earlier.data.map((pi) => pi.id), newestFirst.slice(2, 5));
  assert.equal(earlier.has_more, true);

  const twelve = await stripe.paymentIntents.list({...filter, limit: 5}).autoPagingToArray({limit: 12});
  assert.deepEqual(twelve.map((pi) => pi.id), newestFirst.slice(0, 12));
  const everything = await stripe.paymentIntents.list({...filter, limit: 100});
  assert.deepEqual(everything.data.map((pi) => pi.id), newestFirst);
  assert.equal(everything.has_more, false);
});

test('the default page is 10; limit outside 1..100 and both cursors are refused', async () => {
  const page = await stripe.customers.list();
  assert.equal(page.data.length, 10);
  assert.equal(page.has_more, true);
  for (const limit of [0, 101]) {
    const err = await rejection(stripe.customers.list({limit}));
    assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError, err.type);
    assert.deepEqual([err.code, err.param], ['parameter_invalid_integer', 'limit']);
  }
  const [a, b] = page.data;
  const both = await rejection(stripe.customers.list({starting_after: a.id, ending_before: b.id}));
  assert.equal(both.code, 'parameters_exclusive');
});
