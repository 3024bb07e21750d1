"""The test-card table (TEST_MODE.md §1.2–§1.6, §1.8–§1.11). Read it through :mod:`.lookup`.

Every number here is a documented Stripe test number (2024 docs crawl or the 2026 capture);
none is synthesized. ``tok_*`` ids mirror the ``pm_card_*`` ids (``pm_card_X`` → ``tok_X``), as
the 2026 docs list them. Notes on individual rows:

* Country cards: all of §1.4 plus the "Other countries" list, with the numbers from Stripe's
  international-cards table. Saudi Arabia (4000006820000007) has no ``pm_card_sa`` /
  ``tok_sa`` (the docs give none), so it is reachable by number only.
* ``pm_card_jcb`` is the §1.2 JCB card (3566002020360505, JP); the Japanese JCB card of §1.4
  (3530111333300000) shares that id in the docs, so it is reachable by number only.
* ``pm_card_us`` is an alias of ``pm_card_visa``; ``pm_card_amex_threeDSecureNotSupported`` is
  an alias of ``pm_card_amex`` (same number, 3DS not supported).
* Decline cards accept both ``pm_card_visa_X`` and ``pm_card_X`` spellings (§1.5 [INF]); the
  first id listed is the documented one.
* ``tok_visa_chargeCustomerFailLostCard`` / ``…StolenCard`` have no documented number; they are
  token-only variants sharing 4000000000000341 (``number_primary=False``).
* ``tok_visa_debit_chargeDeclinedInsufficientFunds`` (2026 docs, no number) maps to the
  insufficient-funds card.
* The 2024 mobile-challenge numbers (…3238/3246/3253) are IE like 3220 (they behave like it);
  the 2026 ones (40005826…) are GB by their BIN pattern. 3DS cards 4000 00CC C… take country CCC.
"""

from __future__ import annotations

from .model import (
    EXPIRED_CARD,
    FRAUDULENT,
    GENERIC,
    INCORRECT_CVC,
    INCORRECT_NUMBER,
    INSUFFICIENT_FUNDS,
    LOST_CARD,
    PROCESSING_ERROR,
    STOLEN_CARD,
    VELOCITY_EXCEEDED,
    TestCard,
    detect_brand,
)


def _c(number: str, label: str, category: str, pm: tuple[str, ...] = (), *, section: str,
       country: str = "US", funding: str = "credit", brand: str | None = None,
       extra_tok: tuple[str, ...] = (), no_tok: bool = False, **kw) -> TestCard:
    toks = () if no_tok else tuple(p.replace("pm_card_", "tok_", 1) for p in pm) + extra_tok
    return TestCard(number=number, brand=brand or detect_brand(number), country=country, funding=funding,
                    label=label, category=category, pm_ids=tuple(pm), tok_ids=toks, section=section, **kw)


def _brand_cards() -> list[TestCard]:
    s, ok = "1.2", "The payment succeeds."
    return [
        _c("4242424242424242", "Visa", "brand", ("pm_card_visa", "pm_card_us"), section=s,
           three_ds="unenrolled", description="The payment succeeds; 3DS is supported but the card is "
           "not enrolled, so it never prompts."),
        _c("4000056655665556", "Visa (debit)", "brand", ("pm_card_visa_debit",), section=s,
           funding="debit", description=ok),
        _c("5555555555554444", "Mastercard", "brand", ("pm_card_mastercard",), section=s, description=ok),
        _c("2223003122003222", "Mastercard (2-series)", "brand", section=s, description=ok),
        _c("5200828282828210", "Mastercard (debit)", "brand", ("pm_card_mastercard_debit",), section=s,
           funding="debit", description=ok),
        _c("5105105105105100", "Mastercard (prepaid)", "brand", ("pm_card_mastercard_prepaid",),
           section=s, funding="prepaid", description=ok),
        _c("378282246310005", "American Express", "brand",
           ("pm_card_amex", "pm_card_amex_threeDSecureNotSupported"), section=s, three_ds="not_supported",
           description="The payment succeeds; 3DS cannot be invoked on this card, so it proceeds "
           "without authentication."),
        _c("371449635398431", "American Express", "brand", section=s, description=ok),
        _c("6011111111111117", "Discover", "brand", ("pm_card_discover",), section=s, description=ok),
        _c("6011000990139424", "Discover", "brand", section=s, description=ok),
        _c("6011981111111113", "Discover (debit)", "brand", section=s, funding="debit", description=ok),
        _c("3056930009020004", "Diners Club", "brand", ("pm_card_diners",), section=s, description=ok),
        _c("36227206271667", "Diners Club (14-digit)", "brand", section=s, description=ok),
        _c("6555900000604105", "BCcard and DinaCard", "brand", section=s, description=ok),
        _c("3566002020360505", "JCB", "brand", ("pm_card_jcb",), section=s, country="JP",
           description="The payment succeeds; the issuer is in Japan, so a cross-border fee applies."),
        _c("6200000000000005", "UnionPay", "brand", ("pm_card_unionpay",), section=s, country="CN",
           description="The payment succeeds; the issuer is in China, so a cross-border fee applies."),
        _c("6200000000000047", "UnionPay (debit)", "brand", section=s, country="CN", funding="debit",
           description=ok),
        _c("6205500000000000004", "UnionPay (19-digit)", "brand", section=s, country="CN", description=ok),
    ]


def _cobranded_cards() -> list[TestCard]:
    s = "1.3"
    cb, ef = ("cartes_bancaires",), ("eftpos_au",)
    return [
        _c("4000002500001001", "Cartes Bancaires + Visa", "cobranded", ("pm_card_visa_cartesBancaires",),
           section=s, country="FR", display_brand="cartes_bancaires", networks=cb + ("visa",),
           description="A French co-branded card: the payment succeeds."),
        _c("5555552500001001", "Cartes Bancaires + Mastercard", "cobranded",
           ("pm_card_mastercard_cartesBancaires",), section=s, country="FR",
           display_brand="cartes_bancaires", networks=cb + ("mastercard",),
           description="A French co-branded card: the payment succeeds."),
        _c("4000050360000001", "eftpos Australia + Visa (debit)", "cobranded",
           ("pm_card_visa_debit_eftposAuCoBranded",), section=s, country="AU", funding="debit",
           display_brand="eftpos_au", networks=ef + ("visa",),
           description="An Australian co-branded debit card: the payment succeeds."),
        _c("5555050360000080", "eftpos Australia + Mastercard (debit)", "cobranded",
           ("pm_card_mastercard_debit_eftposAuCoBranded",), section=s, country="AU", funding="debit",
           display_brand="eftpos_au", networks=ef + ("mastercard",),
           description="An Australian co-branded debit card: the payment succeeds."),
    ]


# (iso2, country name, number, pm ids, funding); brand comes from the number.
COUNTRY_CARDS: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    ("AR", "Argentina", "4000000320000021", ("pm_card_ar",), "credit"),
    ("BR", "Brazil", "4000000760000002", ("pm_card_br",), "credit"),
    ("CA", "Canada", "4000001240000000", ("pm_card_ca",), "credit"),
    ("CL", "Chile", "4000001520000001", ("pm_card_cl",), "credit"),
    ("CO", "Colombia", "4000001700000003", ("pm_card_co",), "credit"),
    ("CR", "Costa Rica", "4000001880000005", ("pm_card_cr",), "credit"),
    ("EC", "Ecuador", "4000002180000000", ("pm_card_ec",), "credit"),
    ("MX", "Mexico", "4000004840008001", ("pm_card_mx",), "credit"),
    ("PA", "Panama", "4000005910000000", ("pm_card_pa",), "credit"),
    ("PY", "Paraguay", "4000006000000066", ("pm_card_py",), "credit"),
    ("PE", "Peru", "4000006040000068", ("pm_card_pe",), "credit"),
    ("UY", "Uruguay", "4000008580000003", ("pm_card_uy",), "credit"),
    ("AE", "United Arab Emirates", "4000007840000001", ("pm_card_ae",), "credit"),
    ("AE", "United Arab Emirates", "5200007840000022", ("pm_card_ae_mastercard",), "credit"),
    ("AT", "Austria", "4000000400000008", ("pm_card_at",), "credit"),
    ("BE", "Belgium", "4000000560000004", ("pm_card_be",), "credit"),
    ("BG", "Bulgaria", "4000001000000000", ("pm_card_bg",), "credit"),
    ("BY", "Belarus", "4000001120000005", ("pm_card_by",), "credit"),
    ("HR", "Croatia", "4000001910000009", ("pm_card_hr",), "credit"),
    ("CY", "Cyprus", "4000001960000008", ("pm_card_cy",), "credit"),
    ("CZ", "Czech Republic", "4000002030000002", ("pm_card_cz",), "credit"),
    ("DK", "Denmark", "4000002080000001", ("pm_card_dk",), "credit"),
    ("EE", "Estonia", "4000002330000009", ("pm_card_ee",), "credit"),
    ("FI", "Finland", "4000002460000001", ("pm_card_fi",), "credit"),
    ("FR", "France", "4000002500000003", ("pm_card_fr",), "credit"),
    ("DE", "Germany", "4000002760000016", ("pm_card_de",), "credit"),
    ("GI", "Gibraltar", "4000002920000005", ("pm_card_gi",), "credit"),
    ("GR", "Greece", "4000003000000030", ("pm_card_gr",), "credit"),
    ("HU", "Hungary", "4000003480000005", ("pm_card_hu",), "credit"),
    ("IE", "Ireland", "4000003720000005", ("pm_card_ie",), "credit"),
    ("IT", "Italy", "4000003800000008", ("pm_card_it",), "credit"),
    ("LV", "Latvia", "4000004280000005", ("pm_card_lv",), "credit"),
    ("LI", "Liechtenstein", "4000004380000004", ("pm_card_li",), "credit"),
    ("LT", "Lithuania", "4000004400000000", ("pm_card_lt",), "credit"),
    ("LU", "Luxembourg", "4000004420000006", ("pm_card_lu",), "credit"),
    ("MT", "Malta", "4000004700000007", ("pm_card_mt",), "credit"),
    ("NL", "Netherlands", "4000005280000002", ("pm_card_nl",), "credit"),
    ("NO", "Norway", "4000005780000007", ("pm_card_no",), "credit"),
    ("PL", "Poland", "4000006160000005", ("pm_card_pl",), "credit"),
    ("PT", "Portugal", "4000006200000007", ("pm_card_pt",), "credit"),
    ("RO", "Romania", "4000006420000001", ("pm_card_ro",), "credit"),
    ("SA", "Saudi Arabia", "4000006820000007", (), "credit"),
    ("SI", "Slovenia", "4000007050000006", ("pm_card_si",), "credit"),
    ("SK", "Slovakia", "4000007030000001", ("pm_card_sk",), "credit"),
    ("ES", "Spain", "4000007240000007", ("pm_card_es",), "credit"),
    ("SE", "Sweden", "4000007520000008", ("pm_card_se",), "credit"),
    ("CH", "Switzerland", "4000007560000009", ("pm_card_ch",), "credit"),
    ("GB", "United Kingdom", "4000008260000000", ("pm_card_gb",), "credit"),
    ("GB", "United Kingdom", "4000058260000005", ("pm_card_gb_debit",), "debit"),
    ("GB", "United Kingdom", "5555558265554449", ("pm_card_gb_mastercard",), "credit"),
    ("AU", "Australia", "4000000360000006", ("pm_card_au",), "credit"),
    ("CN", "China", "4000001560000002", ("pm_card_cn",), "credit"),
    ("HK", "Hong Kong", "4000003440000004", ("pm_card_hk",), "credit"),
    ("IN", "India", "4000003560000008", ("pm_card_in",), "credit"),
    ("JP", "Japan", "4000003920000003", ("pm_card_jp",), "credit"),
    ("JP", "Japan", "3530111333300000", (), "credit"),
    ("MY", "Malaysia", "4000004580000002", ("pm_card_my",), "credit"),
    ("NZ", "New Zealand", "4000005540000008", ("pm_card_nz",), "credit"),
    ("SG", "Singapore", "4000007020000003", ("pm_card_sg",), "credit"),
    ("TW", "Taiwan", "4000001580000008", ("pm_card_tw",), "credit"),
    ("TH", "Thailand", "4000007640000003", ("pm_card_th_credit",), "credit"),
    ("TH", "Thailand", "4000057640000008", ("pm_card_th_debit",), "debit"),
)
EEA_AND_MIDDLE_EAST = frozenset("AE AT BE BG BY HR CY CZ DK EE FI FR DE GI GR HU IE IT LV LI LT LU MT NL "
                                "NO PL PT RO SA SI SK ES SE CH GB".split())


def _country_cards() -> list[TestCard]:
    out = []
    for iso, name, number, pm, funding in COUNTRY_CARDS:
        brand = detect_brand(number)
        kind = {"visa": "Visa", "mastercard": "Mastercard", "jcb": "JCB"}[brand]
        if funding == "debit":
            kind += " (debit)"
        sca = (" It succeeds without 3DS even where SCA applies." if iso in EEA_AND_MIDDLE_EAST else "")
        out.append(_c(number, f"{name} ({iso}) – {kind}", "country", pm, section="1.4", country=iso,
                      funding=funding, no_tok=not pm,
                      description=f"A card issued in {name}: the payment succeeds; a US account pays "
                      f"the cross-border fee.{sca}"))
    return out


def _decline_cards() -> list[TestCard]:
    s = "1.5"

    def both(name: str, visa_first: bool = True) -> tuple[str, ...]:
        a, b = f"pm_card_visa_{name}", f"pm_card_{name}"
        return (a, b) if visa_first else (b, a)

    def dec(number, label, pm, decline, desc, **kw):
        return _c(number, label, "decline", pm, section=s, decline=decline, attachable=False,
                  description=desc, **kw)

    return [
        dec("4000000000000002", "Declined: generic decline", both("chargeDeclined"), GENERIC,
            "The issuer declines the payment with card_declined / generic_decline."),
        dec("4000000000009995", "Declined: insufficient funds", both("chargeDeclinedInsufficientFunds"),
            INSUFFICIENT_FUNDS, "The issuer declines the payment with card_declined / insufficient_funds.",
            extra_tok=("tok_visa_debit_chargeDeclinedInsufficientFunds",)),
        dec("4000000000009987", "Declined: lost card", both("chargeDeclinedLostCard"), LOST_CARD,
            "The issuer declines the payment with card_declined / lost_card."),
        dec("4000000000009979", "Declined: stolen card", both("chargeDeclinedStolenCard"), STOLEN_CARD,
            "The issuer declines the payment with card_declined / stolen_card."),
        dec("4000000000000069", "Declined: expired card", both("chargeDeclinedExpiredCard", False),
            EXPIRED_CARD, "The payment is declined with expired_card."),
        dec("4000000000000127", "Declined: incorrect CVC", both("chargeDeclinedIncorrectCvc", False),
            INCORRECT_CVC, "The payment is declined with incorrect_cvc."),
        dec("4000000000000119", "Declined: processing error", both("chargeDeclinedProcessingError", False),
            PROCESSING_ERROR, "The payment is declined with processing_error."),
        dec("4242424242424241", "Declined: incorrect number", (), INCORRECT_NUMBER,
            "The number fails the Luhn check and is refused with incorrect_number (raw number only)."),
        dec("4000000000006975", "Declined: velocity limit exceeded",
            both("chargeDeclinedVelocityLimitExceeded"), VELOCITY_EXCEEDED,
            "The issuer declines the payment with card_declined / card_velocity_exceeded."),
        _c("4000000000000341", "Decline after attaching", "decline",
           ("pm_card_chargeCustomerFail", "pm_card_visa_chargeCustomerFail"), section=s, decline=GENERIC,
           fail_on_charge_after_attach=True,
           description="Attaching it to a Customer succeeds, but every charge on it is declined."),
        _c("4000000000000341", "Decline after attaching: lost card", "decline", section=s,
           decline=LOST_CARD, fail_on_charge_after_attach=True, number_primary=False,
           extra_tok=("tok_visa_chargeCustomerFailLostCard",),
           description="Attaching succeeds, but every charge is declined as a lost card."),
        _c("4000000000000341", "Decline after attaching: stolen card", "decline", section=s,
           decline=STOLEN_CARD, fail_on_charge_after_attach=True, number_primary=False,
           extra_tok=("tok_visa_chargeCustomerFailStolenCard",),
           description="Attaching succeeds, but every charge is declined as a stolen card."),
    ]


_BLOCK = {"type": "blocked", "risk_level": "highest", "reason": "highest_risk_level",
          "rule": "block_if_high_risk", "network_status": "not_sent_to_network",
          "seller_message": "Stripe blocked this payment as too risky."}
_ELEVATED = {"risk_level": "elevated", "risk_score": 67}
_RADAR_MAYBE = "The payment succeeds here (default Radar rules); Radar could block it depending on settings."


def _radar_cards() -> list[TestCard]:
    s = "1.6"

    def r(number, label, pm, desc, **kw):
        return _c(number, label, "radar", pm, section=s, description=desc, **kw)

    return [
        r("4100000000000019", "Radar: always blocked",
          ("pm_card_chargeDeclinedFraudulent", "pm_card_visa_chargeDeclinedFraudulent", "pm_card_radarBlock"),
          "Radar rates it highest risk and always blocks it: card_declined / fraudulent.",
          decline=FRAUDULENT, outcome=dict(_BLOCK, risk_score=91), attachable=False,
          fraud_details={"stripe_report": "fraudulent"}),
        r("4000000000004954", "Radar: highest risk", ("pm_card_riskLevelHighest",),
          "Risk level highest, so Radar's default rules block it: card_declined / fraudulent.",
          decline=FRAUDULENT, outcome=dict(_BLOCK, risk_score=85)),
        r("4000000000009235", "Radar: elevated risk", ("pm_card_riskLevelElevated",),
          "The payment succeeds with risk level elevated (Radar for Fraud Teams could queue a review).",
          outcome=dict(_ELEVATED)),
        r("4000000000000101", "CVC check fails", ("pm_card_cvcCheckFail",),
          "If a CVC is sent, cvc_check is fail; the payment still succeeds under default rules.",
          checks={"cvc_check": "fail"}),
        r("4000000000000036", "Postal code check fails", ("pm_card_avsZipFail",),
          "If a postal code is sent, address_postal_code_check is fail; the payment succeeds.",
          checks={"address_postal_code_check": "fail"}),
        r("4000000000000028", "Address line 1 check fails", ("pm_card_avsLine1Fail",),
          "address_line1_check is fail; the payment succeeds unless a custom rule blocks it.",
          checks={"address_line1_check": "fail"}),
        r("4000000000000010", "Address checks fail", ("pm_card_avsFail",),
          "Postal code and line 1 checks both fail; the payment succeeds under default rules.",
          checks={"address_line1_check": "fail", "address_postal_code_check": "fail"}),
        r("4000000000000044", "Address unavailable", ("pm_card_avsUnchecked",),
          "Both address checks are unavailable; the payment succeeds.",
          checks={"address_line1_check": "unavailable", "address_postal_code_check": "unavailable"}),
        r("4000008400000407", "High fraud dispute score", ("pm_card_highFraudDisputeScore",), _RADAR_MAYBE),
        r("4000008400000159", "High early fraud warning score", ("pm_card_highEfwScore",), _RADAR_MAYBE),
        r("4000008400001017", "Dynamic risk thresholds", ("pm_card_radarDynamicRiskThreshold",),
          "The payment succeeds; Radar would block it only with Dynamic risk thresholds enabled."),
        r("4001858821843804", "Free-trial abuse block", ("pm_card_freeTrialAbuseBlock",),
          "A one-off payment succeeds; Radar's free-trial abuse control only affects trial sign-ups."),
        r("4000008405600003", "Adaptive 3DS challenge", ("pm_card_adaptive3dsChallenge",),
          "The payment succeeds; Radar would request 3DS only with Adaptive 3DS enabled."),
        r("4000058400307872", "CVC check fails, elevated risk", ("pm_card_cvcCheckFailElevatedRisk",),
          "If a CVC is sent, cvc_check is fail and risk is elevated; the payment succeeds.",
          checks={"cvc_check": "fail"}, outcome=dict(_ELEVATED)),
        r("4000058400306072", "Postal check fails, elevated risk", ("pm_card_avsZipFailElevatedRisk",),
          "If a postal code is sent, its check fails and risk is elevated; the payment succeeds.",
          checks={"address_postal_code_check": "fail"}, outcome=dict(_ELEVATED)),
        r("4000000000001208", "Captcha challenge", (), "The payment succeeds (the captcha is UI-only)."),
        r("4000000000003725", "Captcha challenge", (), "The payment succeeds (the captcha is UI-only)."),
    ]


def _dispute_refund_balance_cards() -> list[TestCard]:
    def d(number, label, pm, dispute, desc, **kw):
        return _c(number, label, "dispute", pm, section="1.8", dispute=dispute, description=desc, **kw)

    return [
        d("4000000000000259", "Dispute: fraudulent", ("pm_card_createDispute",), "fraudulent",
          "The charge succeeds, then is disputed as fraudulent (protected after 3DS)."),
        d("4000000000002685", "Dispute: product not received", ("pm_card_createDisputeProductNotReceived",),
          "product_not_received", "The charge succeeds, then is disputed as product not received."),
        d("4000000000001976", "Dispute: inquiry", ("pm_card_createDisputeInquiry",), "inquiry",
          "The charge succeeds, then an inquiry opens (warning_needs_response; no money moves)."),
        d("4000000000005423", "Early fraud warning", ("pm_card_createIssuerFraudRecord",), None,
          "The charge succeeds, then an early fraud warning is raised (no dispute).",
          early_fraud_warning=True),
        d("4000000404000079", "Multiple disputes", ("pm_card_createMultipleDisputes",), "multiple",
          "The charge succeeds, then two disputes open within about a second."),
        d("4000000404000038", "Dispute: Visa CE3.0 eligible", ("pm_card_createCe3EligibleDispute",),
          "fraudulent", "The charge succeeds, then a Visa Compelling Evidence 3.0 eligible dispute opens."),
        d("4000008400000779", "Dispute: Visa compliance", ("pm_card_createComplianceDispute",),
          "noncompliant", "The charge succeeds, then a Visa compliance dispute opens."),
        d("5105008400000002", "Dispute: Mastercard compliance",
          ("pm_card_createMastercardComplianceDispute",), "noncompliant",
          "The charge succeeds, then a Mastercard compliance dispute opens."),
        d("4000000001000043", "Dispute: Smart Disputes eligible",
          ("pm_card_createAutoRepresentmentEligibleDispute",), "fraudulent",
          "The charge succeeds, then a Smart Disputes eligible dispute opens."),
        _c("4000000000007726", "Refund: pending, then succeeds", "refund", ("pm_card_pendingRefund",),
           section="1.9", refund_behaviour="pending",
           description="Refunds start pending and later succeed."),
        _c("4000000000005126", "Refund: succeeds, then fails", "refund", ("pm_card_refundFail",),
           section="1.9", refund_behaviour="fail",
           description="Refunds start succeeded and later fail with expired_or_canceled_card."),
        _c("4000000000000077", "Bypass pending balance (US)", "balance", ("pm_card_bypassPending",),
           section="1.10", bypass_pending=True,
           description="The charge succeeds and its funds go straight to the available balance."),
        _c("4000003720000278", "Bypass pending balance (international)", "balance",
           ("pm_card_bypassPendingInternational",), section="1.10", country="IE", bypass_pending=True,
           description="An Irish card: funds go straight to the available balance."),
        _c("4000000000000093", "Domestic pricing", "balance", ("pm_card_domesticPricing",), section="1.10",
           description="The charge succeeds with domestic pricing (only matters where pricing is split)."),
        _c("4000051230000072", "Visa HSA/FSA (debit)", "balance",
           ("pm_card_debit_visaFsaProductCode", "pm_card_debit_visaHsaProductCode"), section="1.10",
           funding="debit", description="A health-spending debit card: the payment succeeds."),
        _c("5200828282828897", "Mastercard FSA (debit)", "balance",
           ("pm_card_mastercard_debit_mastercardFsaProductCode",), section="1.10", funding="debit",
           description="A health-spending debit card: the payment succeeds."),
    ]


def _threeds_cards() -> list[TestCard]:
    s = "1.11"

    def t(number, label, pm, mode, desc, **kw):
        return _c(number, label, "threeds", pm, section=s, three_ds=mode, description=desc, **kw)

    ch = "Needs 3DS on every payment; complete the challenge to succeed."
    cards = [
        t("4000002500003155", "3DS: authenticate unless set up", ("pm_card_authenticationRequiredOnSetup",),
          "required_on_setup", "On-session payments need 3DS; off-session ones only until the card is "
          "set up for future use.", country="FR"),
        t("4000002760003184", "3DS: always authenticate", ("pm_card_authenticationRequired",), "required",
          "Every payment needs 3DS, however the card was set up.", country="DE"),
        t("4000003800000446", "3DS: already set up for off-session",
          ("pm_card_authenticationRequiredSetupForOffSession",), "setup_off_session",
          "On-session payments need 3DS; off-session payments succeed without it.", country="IT"),
        t("4000008260003178", "3DS, then insufficient funds",
          ("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds",), "required",
          "Needs 3DS, then is declined with insufficient_funds even after authentication.",
          country="GB", decline_after_auth=INSUFFICIENT_FUNDS),
        t("4000000000003220", "3DS2 required", ("pm_card_threeDSecure2Required",), "required", ch,
          country="IE"),
        t("4000008400000027", "3DS2 required (US issuer)", (), "required", ch),
        t("4000008400001629", "3DS required, then declined", ("pm_card_threeDSecureRequiredChargeDeclined",),
          "required", "Needs 3DS, then is declined with card_declined after authentication.",
          decline_after_auth=GENERIC),
        t("4000008400001280", "3DS required, lookup error",
          ("pm_card_threeDSecureRequiredProcessingError",), "required",
          "The 3DS lookup fails with a processing error, so the payment is declined with card_declined.",
          three_ds_lookup_error=True, decline=GENERIC),
        t("4000000000003055", "3DS supported (optional)", ("pm_card_threeDSecureOptional",), "optional",
          "3DS is possible but not required and not requested by default: the payment succeeds."),
        t("4000000000003097", "3DS supported, lookup error",
          ("pm_card_threeDSecureOptionalProcessingError",), "optional",
          "3DS is not required; if it is requested, the attempt ends in a processing error.",
          three_ds_lookup_error=True),
        t("4000000032200000", "3DS frictionless", (), "frictionless",
          "3DS runs on every payment but frictionlessly (no challenge), and the payment succeeds."),
        t("4000000000003063", "3DS required (legacy 3DS1)", ("pm_card_threeDSecureRequired",), "required",
          "Legacy card: needs 3DS; complete the challenge to succeed."),
    ]
    mobile = (("4000000000003238", "IE", "one-time passcode"), ("4000000000003246", "IE", "single select"),
              ("4000000000003253", "IE", "multi select"), ("4000582600000094", "GB", "out of band"),
              ("4000582600000045", "GB", "one-time passcode"), ("4000582600000102", "GB", "single select"),
              ("4000582600000110", "GB", "multi select"))
    for number, country, flow in mobile:
        cards.append(t(number, f"3DS2 mobile challenge: {flow}", (), "required",
                       f"Behaves like 4000000000003220 in API calls (mobile SDK shows the {flow} UI).",
                       country=country))
    return cards


def build_cards() -> list[TestCard]:
    return (_brand_cards() + _cobranded_cards() + _country_cards() + _decline_cards() + _radar_cards()
            + _dispute_refund_balance_cards() + _threeds_cards())
