"""Daily rollup tables: the dashboard's KPIs and charts read these (only the payments table reads
``charges`` itself). DuckDB SQL.

Rebuilt in one transaction by every sync that wrote something (or found them missing) and by the
synthetic generator, so a reader sees either the old or the new rollups. Every rollup is keyed by UTC ``day`` plus the filter dimensions
(presentment ``currency``, card ``brand``, card ``country``, the charge's ``pay_status``) so any
filter combination is a plain ``WHERE`` on a small table. Amounts are ``BIGINT`` minor units, never
summed across currencies (currency is part of every key).

Dimension values that do not apply (a non-card payment has no brand; a PaymentIntent without a
charge has no pay_status) are stored as ``'(none)'``.
"""

from __future__ import annotations

NONE = "(none)"
OPEN_DISPUTE_STATUSES = ("needs_response", "warning_needs_response", "appeal_needs_response")

# Charges of canceled PaymentIntents that were never captured are shown as 'canceled'.
FIX_CANCELED_SQL = """
UPDATE charges AS c SET pay_status = 'canceled'
FROM payment_intents AS p
WHERE p.id = c.payment_intent AND p.status = 'canceled'
  AND c.status = 'succeeded' AND NOT coalesce(c.captured, false)
  AND c.pay_status IS DISTINCT FROM 'canceled'
"""

_DIMS = f"""coalesce(c.card_brand, '{NONE}') AS brand,
    coalesce(c.card_country, '{NONE}') AS country,
    coalesce(c.pay_status, '{NONE}') AS pay_status"""

ROLLUP_SQL: dict[str, str] = {
    "rollup_charges": f"""
SELECT CAST(c.created AS DATE) AS day, c.currency,
    {_DIMS},
    c.status, c.outcome_type, c.decline_code,
    count(*)::BIGINT AS n,
    sum(c.amount)::BIGINT AS amount,
    sum(coalesce(c.amount_captured, 0))::BIGINT AS amount_captured,
    sum(coalesce(c.amount_refunded, 0))::BIGINT AS amount_refunded,
    count(*) FILTER (WHERE c.amount_refunded > 0)::BIGINT AS n_refunded
FROM charges c
GROUP BY ALL ORDER BY day
""",
    "rollup_refunds": f"""
SELECT CAST(r.created AS DATE) AS day, r.currency,
    {_DIMS},
    r.status, coalesce(r.reason, '{NONE}') AS reason,
    count(*)::BIGINT AS n,
    sum(r.amount)::BIGINT AS amount
FROM refunds r LEFT JOIN charges c ON c.id = r.charge
GROUP BY ALL ORDER BY day
""",
    "rollup_disputes": f"""
SELECT CAST(d.created AS DATE) AS day, d.currency,
    {_DIMS},
    d.status, coalesce(d.reason, '{NONE}') AS reason,
    (d.status LIKE 'warning_%') AS is_inquiry,
    count(*)::BIGINT AS n,
    sum(d.amount)::BIGINT AS amount
FROM disputes d LEFT JOIN charges c ON c.id = d.charge
GROUP BY ALL ORDER BY day
""",
    # Balance transactions: 'currency' is the settlement currency; 'pcurrency' the presentment
    # currency of the related charge (the currency filter applies to it), else the BT currency.
    "rollup_balance": f"""
WITH linked AS (
    SELECT b.*, coalesce(ch.id, r.charge, d.charge) AS charge_id
    FROM balance_transactions b
    LEFT JOIN charges ch ON ch.id = b.source
    LEFT JOIN refunds r ON r.id = b.source
    LEFT JOIN disputes d ON d.id = b.source
)
SELECT CAST(b.created AS DATE) AS day, b.currency,
    coalesce(c.currency, b.currency) AS pcurrency,
    {_DIMS},
    coalesce(b.reporting_category, b.type, '{NONE}') AS reporting_category,
    count(*)::BIGINT AS n,
    sum(b.amount)::BIGINT AS amount,
    sum(coalesce(b.fee, 0))::BIGINT AS fee,
    sum(b.net)::BIGINT AS net
FROM linked b LEFT JOIN charges c ON c.id = b.charge_id
GROUP BY ALL ORDER BY day
""",
    "rollup_payment_intents": f"""
SELECT CAST(p.created AS DATE) AS day, p.currency,
    {_DIMS},
    p.status,
    (p.latest_charge IS NOT NULL
        OR p.status IN ('requires_action', 'processing', 'requires_capture', 'succeeded')) AS attempted,
    count(*)::BIGINT AS n,
    sum(p.amount)::BIGINT AS amount
FROM payment_intents p LEFT JOIN charges c ON c.id = p.latest_charge
GROUP BY ALL ORDER BY day
""",
    # Disputes waiting for a response (a handful of rows), with the charge's brand and country.
    "rollup_open_disputes": f"""
SELECT d.id, d.charge, d.payment_intent, d.amount, d.currency, d.status, d.reason, d.created,
    d.evidence_due_by, d.evidence_has_evidence, d.evidence_submission_count,
    {_DIMS}
FROM disputes d LEFT JOIN charges c ON c.id = d.charge
WHERE d.status IN ({", ".join(f"'{s}'" for s in OPEN_DISPUTE_STATUSES)})
ORDER BY d.evidence_due_by
""",
}

ROLLUP_TABLES = tuple(ROLLUP_SQL)


def rebuild_rollups(con) -> None:
    """Recompute every rollup from the raw tables (atomically; a few hundred ms at 1M payments)."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(FIX_CANCELED_SQL)
        for name, sql in ROLLUP_SQL.items():
            con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def rollups_exist(con) -> bool:
    names = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    return all(t in names for t in ROLLUP_TABLES)
