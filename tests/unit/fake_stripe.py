"""An in-process fake of the Stripe API, plugged into the real SDK as its HTTP client.

Enough of Stripe for the finance sync: list endpoints (newest first, ``limit``, ``starting_after``,
``has_more``, ``created[gt|gte|lt|lte]``, ``expand[]=data.balance_transaction``), retrieve by id,
``/v1/events``, and helpers that create objects and their events the way Stripe does (a payment
writes a PaymentIntent, a charge, a balance transaction and events). Failures can be injected per
path. Every request is recorded, so tests can count API calls.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import stripe

RESOURCES = ("customers", "payment_intents", "charges", "refunds", "disputes", "balance_transactions",
             "events")
OBJECT_NAMES = {"customers": "customer", "payment_intents": "payment_intent", "charges": "charge",
                "refunds": "refund", "disputes": "dispute",
                "balance_transactions": "balance_transaction", "events": "event"}
PREFIX = {"customers": "cus", "payment_intents": "pi", "charges": "ch", "refunds": "re",
          "disputes": "du", "balance_transactions": "txn", "events": "evt"}


@dataclass
class Failure:
    path_prefix: str
    status: int | None             # None: network error
    times: int = 10**9
    headers: dict = field(default_factory=dict)
    after: int = 0                 # let this many matching requests through first

    def body(self) -> dict:
        kinds = {401: ("invalid_request_error", "Invalid API Key provided: sk_test_****************fake"),
                 403: ("invalid_request_error", "The provided key 'rk_test_****abcd' does not have "
                       "the required permissions for this endpoint."),
                 429: ("invalid_request_error", "Too many requests."),
                 404: ("invalid_request_error", "Unrecognized request URL.")}
        kind, message = kinds.get(self.status, ("api_error", "Something went wrong."))
        return {"error": {"type": kind, "message": message}}


@dataclass
class Seen:
    method: str
    path: str
    query: list[tuple[str, str]]

    def param(self, name: str) -> str | None:
        for k, v in self.query:
            if k == name:
                return v
        return None


class FakeStripe(stripe.HTTPClient):
    name = "fake-stripe"

    def __init__(self, start: int = 1_750_000_000) -> None:
        super().__init__()
        self.clock = start
        self.store: dict[str, dict[str, dict]] = {r: {} for r in RESOURCES}
        self.seq: dict[str, int] = {}
        self.requests: list[Seen] = []
        self.failures: list[Failure] = []
        self._n = 0

    # -- SDK plumbing ----------------------------------------------------------------------------

    def client(self, key: str = "sk_test_fakefakefakefake") -> stripe.StripeClient:
        return stripe.StripeClient(key, base_addresses={"api": "http://fake.stripe.test"},
                                   http_client=self, max_network_retries=0)

    def close(self) -> None:
        pass

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        self.requests.append(Seen(method, parts.path, query))
        for fail in self.failures:
            if parts.path.startswith(fail.path_prefix) and fail.times > 0:
                if fail.after > 0:
                    fail.after -= 1
                    continue
                fail.times -= 1
                if fail.status is None:
                    raise stripe.APIConnectionError("Connection refused", should_retry=True)
                return json.dumps(fail.body()), fail.status, {"request-id": "req_fail", **fail.headers}
        status, body = self._route(method, parts.path, query)
        return json.dumps(body), status, {"request-id": f"req_{len(self.requests)}"}

    def _route(self, method: str, path: str, query: list[tuple[str, str]]):
        segs = [s for s in path.split("/") if s]
        if method.lower() != "get" or len(segs) < 2 or segs[0] != "v1" or segs[1] not in RESOURCES:
            return 404, {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}}
        res = segs[1]
        expand = [v for k, v in query if k.startswith("expand")]
        if len(segs) == 3:
            obj = self.store[res].get(segs[2])
            if obj is None:
                return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing",
                                       "message": f"No such {OBJECT_NAMES[res]}: '{segs[2]}'",
                                       "param": "id"}}
            return 200, self._expand(res, copy.deepcopy(obj), expand)
        return 200, self._list(res, dict(query), expand)

    def _list(self, res: str, q: dict[str, str], expand: list[str]) -> dict:
        items = sorted(self.store[res].values(), key=lambda o: (o["created"], self.seq[o["id"]]),
                       reverse=True)
        for op, fn in (("gt", lambda a, b: a > b), ("gte", lambda a, b: a >= b),
                       ("lt", lambda a, b: a < b), ("lte", lambda a, b: a <= b)):
            if f"created[{op}]" in q:
                bound = int(q[f"created[{op}]"])
                items = [o for o in items if fn(o["created"], bound)]
        if "created" in q:
            items = [o for o in items if o["created"] == int(q["created"])]
        if q.get("starting_after"):
            ids = [o["id"] for o in items]
            if q["starting_after"] in ids:
                items = items[ids.index(q["starting_after"]) + 1:]
            else:  # Stripe would 404; the sync never sends unknown ids
                items = []
        limit = int(q.get("limit", 10))
        page = items[:limit]
        inner = [e[len("data."):] for e in expand if e.startswith("data.")]
        data = [self._expand(res, copy.deepcopy(o), inner) for o in page]
        return {"object": "list", "data": data, "has_more": len(items) > limit, "url": f"/v1/{res}"}

    def _expand(self, res: str, obj: dict, expand: list[str]) -> dict:
        if res == "charges" and "balance_transaction" in expand and obj.get("balance_transaction"):
            obj["balance_transaction"] = copy.deepcopy(
                self.store["balance_transactions"][obj["balance_transaction"]])
        return obj

    # -- data helpers ----------------------------------------------------------------------------

    def list_calls(self, res: str) -> list[Seen]:
        return [r for r in self.requests if r.path == f"/v1/{res}"]

    def tick(self, seconds: int = 1) -> int:
        self.clock += seconds
        return self.clock

    def _id(self, res: str) -> str:
        self._n += 1
        return f"{PREFIX[res]}_{self._n:08d}"

    def _put(self, res: str, obj: dict) -> dict:
        if obj["id"] not in self.seq:
            self.seq[obj["id"]] = self._n
            self._n += 1
        self.store[res][obj["id"]] = obj
        return obj

    def event(self, type_: str, obj: dict, at: int | None = None) -> dict:
        ev = {"id": self._id("events"), "object": "event", "created": at or self.clock, "type": type_,
              "livemode": False, "pending_webhooks": 0, "api_version": "2026-10-28.endive",
              "request": {"id": None, "idempotency_key": None},
              "data": {"object": copy.deepcopy(obj)}}
        return self._put("events", ev)

    def customer(self, email: str = "jenny@example.com", country: str | None = "US") -> dict:
        cus = {"id": self._id("customers"), "object": "customer", "created": self.clock, "email": email,
               "name": email.split("@")[0], "description": None, "currency": None, "balance": 0,
               "delinquent": False, "address": {"country": country} if country else None,
               "livemode": False, "metadata": {}}
        self._put("customers", cus)
        self.event("customer.created", cus)
        return cus

    def delete_customer(self, cus_id: str) -> None:
        cus = self.store["customers"].pop(cus_id)
        self.event("customer.deleted", {**cus, "deleted": True})

    def pay(self, amount: int, currency: str = "usd", *, brand: str = "visa", country: str = "US",
            customer: str | None = None, decline: str | None = None, failure_code: str | None = None,
            blocked: bool = False, capture: bool = True, fee: int | None = None) -> dict:
        """A confirmed PaymentIntent with its charge (and balance transaction when it succeeds)."""
        now = self.clock
        pi = {"id": self._id("payment_intents"), "object": "payment_intent", "created": now,
              "amount": amount, "amount_capturable": 0, "amount_received": 0, "currency": currency,
              "status": "requires_payment_method", "capture_method": "automatic" if capture else "manual",
              "confirmation_method": "automatic", "customer": customer, "description": None,
              "latest_charge": None, "payment_method": None, "canceled_at": None,
              "cancellation_reason": None, "last_payment_error": None, "livemode": False, "metadata": {}}
        self._put("payment_intents", pi)
        self.event("payment_intent.created", pi)
        failed = decline is not None or failure_code is not None or blocked
        ch = {"id": self._id("charges"), "object": "charge", "created": now, "amount": amount,
              "amount_captured": 0 if failed or not capture else amount, "amount_refunded": 0,
              "currency": currency, "status": "failed" if failed else "succeeded", "paid": not failed,
              "captured": (not failed) and capture, "refunded": False, "disputed": False,
              "payment_intent": pi["id"], "customer": customer, "description": None,
              "balance_transaction": None, "failure_code": None, "failure_message": None,
              "payment_method": f"pm_{pi['id'][3:]}",
              "payment_method_details": {"type": "card", "card": {
                  "brand": brand, "country": country, "funding": "credit", "last4": "4242",
                  "three_d_secure": None}},
              "livemode": False, "metadata": {}}
        if failed:
            code = failure_code or "card_declined"
            ch.update(failure_code=code, failure_message="Your card was declined.",
                      outcome={"type": "blocked" if blocked else "issuer_declined",
                               "reason": "highest_risk_level" if blocked else (decline or code),
                               "network_status": "not_sent_to_network" if blocked else "declined_by_network",
                               "risk_level": "highest" if blocked else "normal", "seller_message": "x"})
            pi.update(latest_charge=ch["id"], last_payment_error={
                "type": "card_error", "code": code, "decline_code": decline})
            self._put("charges", ch)
            self.event("charge.failed", ch)
            self.event("payment_intent.payment_failed", pi)
            return pi
        ch["outcome"] = {"type": "authorized", "reason": None, "network_status": "approved_by_network",
                         "risk_level": "normal", "seller_message": "Payment complete."}
        pi.update(latest_charge=ch["id"], payment_method=ch["payment_method"])
        if capture:
            fee = fee if fee is not None else round(amount * 0.029) + 30
            bt = self.balance_transaction(amount, fee, currency, "charge", "charge", ch["id"], now)
            ch["balance_transaction"] = bt["id"]
            pi.update(status="succeeded", amount_received=amount)
        else:
            pi.update(status="requires_capture", amount_capturable=amount)
        self._put("charges", ch)
        self.event("charge.succeeded", ch)
        self.event("payment_intent.succeeded" if capture else "payment_intent.amount_capturable_updated", pi)
        return pi

    def abandoned_intent(self, amount: int, currency: str = "usd") -> dict:
        pi = {"id": self._id("payment_intents"), "object": "payment_intent", "created": self.clock,
              "amount": amount, "amount_capturable": 0, "amount_received": 0, "currency": currency,
              "status": "requires_payment_method", "capture_method": "automatic_async",
              "confirmation_method": "automatic", "customer": None, "latest_charge": None,
              "livemode": False, "metadata": {}}
        self._put("payment_intents", pi)
        self.event("payment_intent.created", pi)
        return pi

    def balance_transaction(self, amount: int, fee: int, currency: str, type_: str, category: str,
                            source: str, created: int | None = None) -> dict:
        bt = {"id": self._id("balance_transactions"), "object": "balance_transaction",
              "created": created or self.clock, "available_on": (created or self.clock) + 2 * 86400,
              "amount": amount, "fee": fee, "net": amount - fee, "currency": currency,
              "exchange_rate": None, "type": type_, "reporting_category": category, "status": "pending",
              "source": source, "description": None, "fee_details": []}
        return self._put("balance_transactions", bt)

    def charge_of(self, pi: dict) -> dict:
        return self.store["charges"][pi["latest_charge"]]

    def refund(self, charge_id: str, amount: int | None = None) -> dict:
        ch = self.store["charges"][charge_id]
        amount = amount if amount is not None else ch["amount"] - ch["amount_refunded"]
        re = {"id": self._id("refunds"), "object": "refund", "created": self.clock, "amount": amount,
              "currency": ch["currency"], "status": "succeeded", "reason": "requested_by_customer",
              "charge": charge_id, "payment_intent": ch["payment_intent"], "balance_transaction": None,
              "failure_reason": None, "metadata": {}}
        bt = self.balance_transaction(-amount, 0, ch["currency"], "refund", "refund", re["id"])
        re["balance_transaction"] = bt["id"]
        self._put("refunds", re)
        ch["amount_refunded"] += amount
        ch["refunded"] = ch["amount_refunded"] >= ch["amount"]
        self.event("refund.created", re)
        self.event("charge.refunded", ch)
        return re

    def dispute(self, charge_id: str, *, status: str = "needs_response", reason: str = "fraudulent",
                due_in_days: int = 8) -> dict:
        ch = self.store["charges"][charge_id]
        du = {"id": self._id("disputes"), "object": "dispute", "created": self.clock,
              "amount": ch["amount"], "currency": ch["currency"], "status": status, "reason": reason,
              "charge": charge_id, "payment_intent": ch["payment_intent"], "is_charge_refundable": False,
              "evidence_details": {"due_by": self.clock + due_in_days * 86400, "has_evidence": False,
                                   "past_due": False, "submission_count": 0},
              "payment_method_details": {"type": "card", "card": {
                  "brand": ch["payment_method_details"]["card"]["brand"],
                  "case_type": "inquiry" if status.startswith("warning") else "chargeback",
                  "network_reason_code": "10.4"}},
              "balance_transactions": [], "livemode": False, "metadata": {}}
        if not status.startswith("warning"):
            bt = self.balance_transaction(-ch["amount"], 1500, ch["currency"], "adjustment", "dispute",
                                          du["id"])
            du["balance_transactions"] = [bt]
        self._put("disputes", du)
        ch["disputed"] = True
        self.event("charge.dispute.created", du)
        return du

    def close_dispute(self, dispute_id: str, status: str) -> dict:
        du = self.store["disputes"][dispute_id]
        du["status"] = status
        if status == "won":
            bt = self.balance_transaction(du["amount"], 0, du["currency"], "adjustment", "dispute_reversal",
                                          du["id"])
            du["balance_transactions"].append(bt)
        self.event("charge.dispute.closed", du)
        return du
