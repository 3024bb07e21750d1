"""Balance transactions: the read API over the ledger, and how money that leaves a charge is valued.

Every money movement is written by ``ledger.new_balance_transaction`` (which keeps the running
available/pending counters behind GET /v1/balance); this module only lists and retrieves them, and
holds :func:`settle_share`, the rule refunds and disputes use to value their part of a charge in
the settlement currency.

Decisions (TEST_MODE.md §5, §3.3, §4.4):

* **Converted charges.** A refund or dispute on a charge presented in another currency is valued
  at the *original charge's* rate, i.e. as the same share of the charge's balance transaction
  (``charge_bt.amount × part / amount_captured``, rounded half-up), and carries that BT's
  ``exchange_rate``. Stripe uses the rate of the day (§4.4 "current exchange rate"); our rates are
  fixed, so the two agree, and the share rule guarantees that refunding or disputing the *rest*
  of a charge takes exactly what is left of its settled amount (no stray cent after rounding).
* **Pending or available.** Refund, refund-failure and dispute-reversal transactions follow the
  charge path: ``pending`` first (§3.3 "status: pending at first"), ``available`` after the
  settlement delay. A chargeback withdrawal is ``available`` at once: Stripe debits it from the
  available balance when the dispute opens. Either way the BT goes through the ledger, so
  GET /v1/balance always equals the sum of all nets, split by status.
* **Filters.** ``type``, ``source``, ``currency`` and ``created`` use indexed columns. ``source=du_…``
  returns the dispute's rows (live Stripe was observed returning an empty page; we prefer the
  useful answer). There are no payouts in the sandbox, so ``payout=…`` always lists nothing.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from lib.stripe_facts import currencies

from .. import params as fp
from ..engine import Ctx
from ..errors import NotFound
from .listing import list_response, render


def charge_bt(ctx: Ctx, charge: dict) -> dict | None:
    txn = charge.get("balance_transaction")
    return ctx.store.get(txn, "balance_transaction") if isinstance(txn, str) else None


def settle_share(ctx: Ctx, charge: dict, amount: int, *, already_out: int,
                 remaining: int) -> tuple[int, float | None]:
    """Value ``amount`` (charge currency) of ``charge`` in settlement cents.

    ``already_out`` is the settled value of the parts of this charge already taken out (active
    refunds); ``remaining`` is the part still unrefunded in the charge currency. Taking all of
    ``remaining`` returns exactly what is left of the charge's settled amount.
    Returns (settlement cents, exchange_rate of the charge's BT).
    """
    bt = charge_bt(ctx, charge)
    captured = int(charge.get("amount_captured") or 0)
    if bt is None or captured <= 0:  # no charge BT (should not happen for captured charges)
        return currencies.to_settlement(amount, charge["currency"])
    if amount >= remaining:
        return max(0, bt["amount"] - already_out), bt["exchange_rate"]
    share = Decimal(bt["amount"]) * Decimal(amount) / Decimal(captured)
    return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP)), bt["exchange_rate"]


# --- endpoints ---------------------------------------------------------------------------------
LIST_EXTRA = {"type": fp.string(100), "source": fp.string(255), "currency": fp.currency, "payout": fp.string(255)}


def retrieve(ctx: Ctx, params: dict, txn: str) -> dict:
    p = fp.validate(params, fp.EXPAND)
    obj = ctx.store.get(txn, "balance_transaction")
    if obj is None:
        raise NotFound("balance transaction", txn, "id")
    return render(ctx, obj, p.get("expand"))


def list_(ctx: Ctx, params: dict) -> dict:
    p = fp.validate(params, {**fp.LIST_PARAMS, **LIST_EXTRA})
    filters = {k: p[k] for k in ("type", "source", "currency") if k in p}
    if "payout" in p:
        filters["source"] = "\x00no payouts in the sandbox"  # matches nothing
    return list_response(ctx, "balance_transaction", "/v1/balance_transactions", params, LIST_EXTRA, filters)
