// Webhook endpoints and signatures through the Node SDK (TEST_MODE.md §6): the endpoint's whsec_
// secret verifies a payload signed with generateTestHeaderString and the sandbox's own deliveries,
// with stripe.webhooks.constructEvent exactly as a Node integration checks them.
import assert from 'node:assert/strict';
import {createHmac} from 'node:crypto';
import {createServer} from 'node:http';
import {afterEach, test} from 'node:test';
import Stripe from 'stripe';

import {eventually, pay, rejection, stripeClient} from './sandbox.js';

const stripe = stripeClient();
const made = [];

/** A webhook endpoint deleted when the test ends, so nothing later delivers to it. */
async function endpoint(url, events = ['*']) {
  const we = await stripe.webhookEndpoints.create({url, enabled_events: events});
  made.push(we.id);
  return we;
}

afterEach(async () => {
  for (const id of made.splice(0)) await stripe.webhookEndpoints.del(id);
});

function signatureError(run) {
  try {
    run();
  } catch (err) {
    return err;
  }
  return assert.fail('the signature was accepted');
}

test('a webhook endpoint shows its whsec_ secret once', async () => {
  const we = await endpoint('http://127.0.0.1:9/hook', ['charge.succeeded', 'charge.failed']);
  assert.match(we.id, /^we_/);
  assert.equal(we.object, 'webhook_endpoint');
  assert.match(we.secret, /^whsec_/);
  assert.deepEqual([we.status, we.url, we.livemode], ['enabled', 'http://127.0.0.1:9/hook', false]);
  assert.deepEqual(we.enabled_events, ['charge.succeeded', 'charge.failed']);
  const again = await stripe.webhookEndpoints.retrieve(we.id);
  assert.equal(again.secret, undefined);  // returned only at creation (§6.1)
  assert.equal(again.url, we.url);
});

test('constructEvent accepts a payload signed with the endpoint secret and rejects a tampered one', async () => {
  const we = await endpoint('http://127.0.0.1:9/signed');
  const payload = JSON.stringify({id: 'evt_node_test', object: 'event', type: 'payment_intent.succeeded',
    data: {object: {id: 'pi_node_test', object: 'payment_intent', amount: 2000}}});
  const timestamp = Math.floor(Date.now() / 1000);
  const header = stripe.webhooks.generateTestHeaderString({payload, secret: we.secret, timestamp});
  // t=<unix>,v1=<hex HMAC-SHA256 of "t.payload" keyed with the whole whsec_ string> (§6.1)
  const v1 = createHmac('sha256', we.secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  assert.equal(header, `t=${timestamp},v1=${v1}`);

  const event = stripe.webhooks.constructEvent(payload, header, we.secret);
  assert.equal(event.type, 'payment_intent.succeeded');
  assert.equal(event.data.object.id, 'pi_node_test');

  const tampered = payload.replace('"amount":2000', '"amount":1');
  const checks = [
    () => stripe.webhooks.constructEvent(tampered, header, we.secret),
    () => stripe.webhooks.constructEvent(payload, header, 'whsec_not_the_right_secret'),
    () => stripe.webhooks.constructEvent(payload, `t=${timestamp},v0=${v1}`, we.secret),  // only v1 counts
    () => stripe.webhooks.constructEvent(payload, stripe.webhooks.generateTestHeaderString(
      {payload, secret: we.secret, timestamp: timestamp - 301}), we.secret),  // older than 300 s
  ];
  for (const check of checks) {
    const err = signatureError(check);
    assert.ok(err instanceof Stripe.errors.StripeSignatureVerificationError, `${err.type}: ${err.message}`);
  }
});

test('the sandbox delivers signed events that constructEvent verifies', async () => {
  const received = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      received.push({headers: req.headers, body: Buffer.concat(chunks).toString('utf8')});
      res.writeHead(200, {'Content-Type': 'application/json'}).end('{"received":true}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${server.address().port}/webhooks/stripe`;
    const we = await endpoint(url, ['charge.succeeded', 'payment_intent.succeeded']);
    const pi = await pay(stripe);
    await eventually(() => received.length >= 2, {what: 'two webhook deliveries'});
    const events = received.map((d) => {
      assert.equal(d.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(d.headers['user-agent'], 'Stripe/1.0 (+https://stripe.com/docs/webhooks)');
      assert.match(d.headers['stripe-signature'], /^t=\d+,v1=[0-9a-f]{64}/);
      return stripe.webhooks.constructEvent(d.body, d.headers['stripe-signature'], we.secret);
    });
    const byType = Object.fromEntries(events.map((e) => [e.type, e]));
    assert.deepEqual(Object.keys(byType).sort(), ['charge.succeeded', 'payment_intent.succeeded']);
    assert.equal(byType['payment_intent.succeeded'].data.object.id, pi.id);
    assert.equal(byType['charge.succeeded'].data.object.id, pi.latest_charge);
    for (const event of events) {
      assert.match(event.id, /^evt_/);
      assert.deepEqual([event.object, event.livemode], ['event', false]);
      assert.equal(event.api_version, process.env.PROJECT_API_VERSION);
      const stored = await stripe.events.retrieve(event.id);
      assert.deepEqual(stored.data.object, event.data.object);
    }
    const first = received[0];
    const forged = first.body.replace(events[0].id, 'evt_forged');
    assert.notEqual(forged, first.body);
    const err = signatureError(() => stripe.webhooks.constructEvent(forged, first.headers['stripe-signature'],
      we.secret));
    assert.ok(err instanceof Stripe.errors.StripeSignatureVerificationError, err.type);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('webhook endpoint URLs must be on this machine', async () => {
  const err = await rejection(stripe.webhookEndpoints.create({url: 'https://example.com/webhooks',
    enabled_events: ['*']}));
  assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError, err.type);
  assert.deepEqual([err.statusCode, err.param], [400, 'url']);
});
