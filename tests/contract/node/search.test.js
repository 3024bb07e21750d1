// The Search API through the Node SDK (TEST_MODE.md §8.3): search_result pages linked by
// next_page, autoPagingToArray walking them, customers by email, and Stripe's error for a bad field.
import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import {before, test} from 'node:test';
import Stripe from 'stripe';

import {CARD_PI, rejection, stripeClient} from './sandbox.js';

const stripe = stripeClient();
const RUN = `n${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const COUNT = 7;
// 7 PaymentIntents tagged with this run's marker, and two customers; kept as the API returned them.
const made = {pis: [], ada: null, grace: null};

/** Ids newest first, as search orders results: created, then id, descending. */
function newestFirst(objs) {
  return [...objs].sort((a, b) => (b.created - a.created) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .map((o) => o.id);
}

before(async () => {
  for (let i = 0; i < COUNT; i += 1) {
    made.pis.push(await stripe.paymentIntents.create(
      {...CARD_PI, amount: 1000 + i, metadata: {run: RUN, n: String(i)}}));
  }
  made.ada = await stripe.customers.create({email: `ada@${RUN}.example.com`, name: 'Ada Lovelace'});
  made.grace = await stripe.customers.create({email: `grace@${RUN}.example.org`, name: 'Grace Hopper'});
});

test('one page of a PaymentIntent search: search_result with has_more and next_page', async () => {
  const page = await stripe.paymentIntents.search({query: `metadata['run']:'${RUN}'`, limit: 3});
  assert.equal(page.object, 'search_result');
  assert.equal(page.url, '/v1/payment_intents/search');
  assert.deepEqual(page.data.map((pi) => pi.id), newestFirst(made.pis).slice(0, 3));
  assert.equal(page.has_more, true);
  assert.equal(typeof page.next_page, 'string');

  const next = await stripe.paymentIntents.search(
    {query: `metadata['run']:'${RUN}'`, limit: 3, page: page.next_page});
  assert.deepEqual(next.data.map((pi) => pi.id), newestFirst(made.pis).slice(3, 6));
});

test('autoPagingToArray follows next_page through every page', async () => {
  const all = await stripe.paymentIntents.search({query: `metadata['run']:'${RUN}'`, limit: 2})
    .autoPagingToArray({limit: 100});
  assert.deepEqual(all.map((pi) => pi.id), newestFirst(made.pis));
  const capped = await stripe.paymentIntents.search({query: `metadata['run']:'${RUN}'`, limit: 2})
    .autoPagingToArray({limit: 5});
  assert.deepEqual(capped.map((pi) => pi.id), newestFirst(made.pis).slice(0, 5));
});

test('amount and AND narrow a search; total_count is there when expanded', async () => {
  const big = await stripe.paymentIntents.search(
    {query: `metadata['run']:'${RUN}' AND amount>=1004`, expand: ['total_count']});
  const expected = made.pis.filter((pi) => pi.amount >= 1004);
  assert.deepEqual(big.data.map((pi) => pi.id), newestFirst(expected));
  assert.equal(big.total_count, expected.length);
});

test('customers by email: a substring with ~, the whole address with :', async () => {
  const both = await stripe.customers.search({query: `email~'${RUN}'`});
  assert.deepEqual(both.data.map((c) => c.id), newestFirst([made.ada, made.grace]));
  const one = await stripe.customers.search({query: `email:'ADA@${RUN}.EXAMPLE.COM'`});
  assert.deepEqual(one.data.map((c) => c.id), [made.ada.id]);
  assert.equal(one.data[0].name, 'Ada Lovelace');
  const listed = await stripe.customers.list({email: `ada@${RUN}.example.com`});
  assert.deepEqual(listed.data.map((c) => c.id), [made.ada.id]);
});

test('an unsupported field is a StripeInvalidRequestError on query, without a code', async () => {
  const err = await rejection(stripe.charges.search({query: "colour:'red'"}));
  assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError, err.type);
  assert.equal(err.statusCode, 400);
  assert.equal(err.param, 'query');
  assert.equal(err.code, undefined);
  assert.match(err.message, /^Field `colour` is an unsupported search field for resource `charges`\./);
});

test('a missing query is parameter_missing', async () => {
  const err = await rejection(stripe.customers.search({}));
  assert.equal(err.code, 'parameter_missing');
  assert.equal(err.param, 'query');
});
