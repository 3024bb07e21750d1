"""``automatic_payment_methods`` as Stripe applies it since API version 2023-08-16 (TEST_MODE.md §2.1,
[D changelog 2023-08-16]), for PaymentIntents and SetupIntents alike.

* Created without ``payment_method_types``, an intent has dynamic payment methods on:
  ``automatic_payment_methods = {"enabled": true, "allow_redirects": "always"}``. Giving
  ``payment_method_types`` turns them off (``automatic_payment_methods: null``). Requests pinned
  to an older ``Stripe-Version`` keep the old default (cards only, ``null``).
* Confirming such an intent needs a ``return_url`` (some enabled methods redirect), unless
  ``allow_redirects`` is ``never`` or — PaymentIntents only — ``off_session=true``. Without one
  the confirm fails with Stripe's 400 (the message is Stripe's, §2.1: ``lib.stripe_facts``).
* ``error_on_requires_action`` can't be combined with it (use ``payment_method_types``).

These are validation failures (``ParamError``): not stored for idempotent replay, so the same
Idempotency-Key can be retried with the missing ``return_url``.

Choices where the reference is silent [INF]: the 400s carry no ``code``; the return_url one names
no ``param`` and the SetupIntent one reads "Setup Intent" where Stripe's reads "Payment Intent";
a refused create-with-confirm creates nothing (it is a validation error); ``enabled=false``
without ``payment_method_types`` means cards only, shown as ``null``. The sandbox only processes
cards, so ``payment_method_types`` stays ``["card"]`` (a real account lists every method its
Dashboard enables).
"""

from __future__ import annotations

from lib.stripe_facts import automatic_payment_methods as facts

from .. import params as fp
from ..engine import Ctx
from ..errors import ParamError

SPEC = fp.hash_of({"enabled": fp.boolean, "allow_redirects": fp.enum("always", "never")})
ERROR_ON_REQUIRES_ACTION = (
    "You cannot use `error_on_requires_action` with a PaymentIntent that has `automatic_payment_methods` "
    "enabled. Create the PaymentIntent with `payment_method_types` instead to fail payment attempts that "
    "require an action.")


def settings(ctx: Ctx, p: dict) -> tuple[dict | None, list[str]]:
    """(``automatic_payment_methods``, ``payment_method_types``) for a new intent's create params."""
    given = p.get("automatic_payment_methods")
    types = p.get("payment_method_types")
    if types and given and given.get("enabled"):
        raise ParamError("You may only specify one of these parameters: automatic_payment_methods, "
                         "payment_method_types.", code="parameters_exclusive", param="payment_method_types")
    if types:
        return None, list(types)
    if given is not None:
        if "enabled" not in given:
            raise fp.param_missing("automatic_payment_methods[enabled]")
        if not given["enabled"]:
            return None, ["card"]
        return {"enabled": True, "allow_redirects": given.get("allow_redirects", "always")}, ["card"]
    return (dict(facts.DEFAULT) if facts.on_by_default(ctx.api_version) else None), ["card"]


def redirects_allowed(intent: dict) -> bool:
    apm = intent.get("automatic_payment_methods") or {}
    return bool(apm.get("enabled")) and apm.get("allow_redirects") != "never"


def check_confirm(intent: dict, p: dict, kind: str) -> None:
    """Raise Stripe's 400 when confirming ``intent`` with params ``p`` breaks the rule.

    ``kind`` is ``"Payment Intent"`` or ``"Setup Intent"`` (as the message reads)."""
    apm = intent.get("automatic_payment_methods") or {}
    if not apm.get("enabled"):
        return
    if p.get("error_on_requires_action"):
        raise ParamError(ERROR_ON_REQUIRES_ACTION, param="error_on_requires_action")
    if redirects_allowed(intent) and not p.get("return_url") and not p.get("off_session"):
        raise ParamError(facts.return_url_required(kind))
