"""Synthetic Stripe-shaped data written straight into the finance DuckDB (vectorised SQL).

Used by the benchmarks (1,000,000 payments in seconds, 10,000,000 in chunks) and by tests as a
fixture (the Postgres tests copy it over). The rows have exactly the shape the sync writes (same
tables and columns, ``account`` included), so metrics cannot tell the difference. Randomness comes
from ``hash(i, salt, seed)`` of the payment's index ``i``, so the same seed gives the same data
regardless of thread count or chunk size. Two accounts generated with the same seed get the same
ids (keys are (account, id)).

The account settles in USD: non-USD charges carry an ``exchange_rate`` and their balance
transactions are in USD (like a US Stripe account), fees are 2.9% + 30¢ (+1.5% international card,
+1% conversion), disputes cost $15.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from lib.finance.store import TABLES, DuckDBWarehouse, ensure_schema, rebuild_rollups

CHUNK = 2_000_000  # payments generated per pass (bounds the temp tables' memory)

# market: (weight, country, currency, units per USD, minor-unit exponent)
MARKETS = (
    (0.55, "US", "usd", 1.0, 2), (0.08, "FR", "eur", 0.92, 2), (0.08, "DE", "eur", 0.92, 2),
    (0.04, "NL", "eur", 0.92, 2), (0.10, "GB", "gbp", 0.78, 2), (0.05, "CA", "cad", 1.36, 2),
    (0.04, "AU", "aud", 1.5, 2), (0.04, "JP", "jpy", 150.0, 0), (0.01, "KW", "kwd", 0.307, 3),
    (0.01, "BR", "brl", 5.4, 2),
)
BRANDS = ((0.50, "visa"), (0.30, "mastercard"), (0.12, "amex"), (0.04, "discover"), (0.02, "jcb"),
          (0.02, "unionpay"))
DECLINES = (  # (weight, decline_code (outcome.reason), failure_code, outcome_type)
    (0.35, "generic_decline", "card_declined", "issuer_declined"),
    (0.25, "insufficient_funds", "card_declined", "issuer_declined"),
    (0.05, "lost_card", "card_declined", "issuer_declined"),
    (0.03, "stolen_card", "card_declined", "issuer_declined"),
    (0.10, "expired_card", "expired_card", "issuer_declined"),
    (0.10, "incorrect_cvc", "incorrect_cvc", "issuer_declined"),
    (0.04, "processing_error", "processing_error", "issuer_declined"),
    (0.08, "highest_risk_level", "card_declined", "blocked"),
)
DISPUTE_STATUSES = ((0.15, "needs_response"), (0.15, "under_review"), (0.30, "won"), (0.32, "lost"),
                    (0.05, "warning_needs_response"), (0.03, "warning_closed"))
DISPUTE_REASONS = ((0.50, "fraudulent"), (0.20, "product_not_received"), (0.10, "general"),
                   (0.05, "duplicate"), (0.05, "subscription_canceled"), (0.05, "product_unacceptable"),
                   (0.05, "credit_not_processed"))


def _pick(r: str, choices, value_index: int = 1) -> str:
    """SQL CASE choosing ``choices[k][value_index]`` by cumulative weight of uniform ``r``."""
    parts = []
    acc = 0.0
    for row in choices[:-1]:
        acc += row[0]
        parts.append(f"WHEN {r} < {acc:.6f} THEN {_lit(row[value_index])}")
    return f"(CASE {' '.join(parts)} ELSE {_lit(choices[-1][value_index])} END)"


def _lit(v) -> str:
    return f"'{v}'" if isinstance(v, str) else repr(v)


def generate(con, n_payments: int, *, end: date | None = None, days: int = 365, seed: int = 42,
             rollups: bool = True, account: str = "", chunk: int = CHUNK) -> dict[str, int]:
    """Add ``n_payments`` PaymentIntents (and their charges, refunds, disputes, balance
    transactions, customers) of ``account`` created uniformly over the ``days`` days ending ``end``
    (UTC), into the DuckDB connection ``con``; then rebuild the rollups (unless ``rollups`` is
    false). Returns the rows per table (all accounts)."""
    ensure_schema(con)
    end = end or datetime.now(UTC).replace(tzinfo=None).date()
    start_ts = datetime.combine(end - timedelta(days=days - 1), datetime.min.time())
    span = days * 86400
    end_ts = start_ts + timedelta(seconds=span - 1)
    n = int(n_payments)
    n_customers = max(1, n // 3)

    acct = "'" + account.replace("'", "''") + "' AS account"

    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"""
            INSERT OR REPLACE INTO customers BY NAME
            SELECT {acct}, 'cus_syn' || printf('%010d', i) AS id,
                TIMESTAMP '{start_ts:%Y-%m-%d %H:%M:%S}' - INTERVAL 30 DAY + to_seconds(i % {span}) AS created,
                'customer' || i || '@example.com' AS email, 'Customer ' || i AS name, NULL AS description,
                NULL AS currency, 0 AS balance, false AS delinquent, NULL AS country, false AS deleted,
                false AS livemode, '{{}}' AS metadata, now()::TIMESTAMP AS synced_at
            FROM range({n_customers}) t(i)""")
        for lo in range(0, n, max(1, chunk)):
            _payments(con, range(lo, min(n, lo + max(1, chunk))), acct=acct, seed=seed, start_ts=start_ts,
                      end_ts=end_ts, span=span, n_customers=n_customers)
        # weekly payouts (not sales: excluded from the ledger KPIs, present in the table)
        con.execute(f"""
            INSERT OR REPLACE INTO balance_transactions BY NAME
            SELECT {acct}, 'txn_po_syn' || printf('%06d', w) AS id,
                TIMESTAMP '{start_ts:%Y-%m-%d %H:%M:%S}' + INTERVAL 7 DAY * w AS created,
                TIMESTAMP '{start_ts:%Y-%m-%d %H:%M:%S}' + INTERVAL 7 DAY * w AS available_on,
                -100000000 AS amount, 0 AS fee, -100000000 AS net, 'usd' AS currency, NULL AS exchange_rate,
                'payout' AS type, 'payout' AS reporting_category, 'available' AS status,
                'po_syn' || printf('%06d', w) AS source, 'STRIPE PAYOUT' AS description,
                now()::TIMESTAMP AS synced_at
            FROM range(1, {max(1, days // 7)}) t(w)""")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if rollups:
        rebuild_rollups(DuckDBWarehouse(con))
    return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]) for t in TABLES}


def _payments(con, rows: range, *, acct: str, seed: int, start_ts: datetime, end_ts: datetime, span: int,
              n_customers: int) -> None:
    """The PaymentIntents with index in ``rows`` and everything that hangs off them."""
    def u(salt: int) -> str:  # uniform [0,1) per row, deterministic
        return f"((hash(i, {salt}, {seed}) % 1000003) / 1000003.0)"

    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _syn AS
        WITH base AS (
            SELECT i, {u(1)} AS r_mkt, {u(2)} AS r_brand, {u(3)} AS r_amt, {u(4)} AS r_out,
                   {u(5)} AS r_ref, {u(6)} AS r_dis, {u(7)} AS r_t, {u(8)} AS r_x, {u(9)} AS r_y,
                   {u(10)} AS r_z
            FROM range({rows.start}, {rows.stop}) t(i)),
        m AS (
            SELECT *,
                {_pick('r_mkt', MARKETS, 1)} AS country,
                {_pick('r_mkt', MARKETS, 2)} AS currency,
                {_pick('r_mkt', MARKETS, 3)}::DOUBLE AS per_usd,
                {_pick('r_mkt', MARKETS, 4)}::INTEGER AS expo,
                {_pick('r_brand', BRANDS, 1)} AS card_brand,
                TIMESTAMP '{start_ts:%Y-%m-%d %H:%M:%S}' + to_seconds(CAST(floor(r_t * {span}) AS BIGINT))
                    AS created,
                exp(ln(5) + r_amt * ln(100)) AS usd_major
            FROM base)
        SELECT *,
            CASE expo WHEN 0 THEN CAST(round(usd_major * per_usd) AS BIGINT)
                      WHEN 3 THEN CAST(round(usd_major * per_usd * 100) AS BIGINT) * 10
                      ELSE CAST(round(usd_major * per_usd * 100) AS BIGINT) END AS amount,
            CASE WHEN r_out < 0.86 THEN 'captured' WHEN r_out < 0.87 THEN 'requires_capture'
                 WHEN r_out < 0.875 THEN 'canceled' WHEN r_out < 0.975 THEN 'failed'
                 WHEN r_out < 0.99 THEN 'abandoned' ELSE 'requires_action' END AS outcome,
            {_pick('r_x', DECLINES, 1)} AS decline,
            {_pick('r_x', DECLINES, 2)} AS fail_code,
            {_pick('r_x', DECLINES, 3)} AS fail_type,
            printf('%010d', i) AS sid
        FROM m""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _syn2 AS
        SELECT *,
            outcome = 'captured' AND r_ref < 0.05 AS has_refund,
            outcome = 'captured' AND r_ref >= 0.05 AND r_dis < 0.006 AS has_dispute,
            CASE WHEN r_y < 0.6 THEN amount
                 ELSE CASE expo WHEN 3 THEN (amount // 20) * 10 ELSE amount // 2 END END AS refund_amount,
            least(created + to_seconds(CAST(3600 + r_y * 20 * 86400 AS BIGINT)),
                  TIMESTAMP '{end_ts:%Y-%m-%d %H:%M:%S}') AS refund_created,
            least(created + to_seconds(CAST(3 * 86400 + r_z * 37 * 86400 AS BIGINT)),
                  TIMESTAMP '{end_ts:%Y-%m-%d %H:%M:%S}') AS dispute_created,
            {_pick('r_z', DISPUTE_STATUSES, 1)} AS dispute_status,
            {_pick('r_y', DISPUTE_REASONS, 1)} AS dispute_reason,
            CASE WHEN currency = 'usd' THEN NULL ELSE 1.0 / per_usd END AS fx,
            CAST(round(amount / power(10, expo) / per_usd * 100) AS BIGINT) AS usd_amount
        FROM _syn""")
    con.execute(f"""
        INSERT OR REPLACE INTO payment_intents BY NAME
        SELECT {acct}, 'pi_syn' || sid AS id, created, amount,
            CASE WHEN outcome = 'requires_capture' THEN amount ELSE 0 END AS amount_capturable,
            CASE WHEN outcome = 'captured' THEN amount ELSE 0 END AS amount_received, currency,
            CASE outcome WHEN 'captured' THEN 'succeeded' WHEN 'requires_capture' THEN 'requires_capture'
                 WHEN 'canceled' THEN 'canceled' WHEN 'requires_action' THEN 'requires_action'
                 ELSE 'requires_payment_method' END AS status,
            CASE WHEN outcome IN ('requires_capture', 'canceled') THEN 'manual'
                 ELSE 'automatic_async' END AS capture_method,
            'automatic' AS confirmation_method,
            'cus_syn' || printf('%010d', i % {n_customers}) AS customer, NULL AS description,
            CASE WHEN outcome IN ('abandoned', 'requires_action') THEN NULL ELSE 'ch_syn' || sid END
                AS latest_charge,
            CASE WHEN outcome IN ('captured', 'requires_capture') THEN 'pm_syn' || sid END AS payment_method,
            CASE WHEN outcome = 'canceled' THEN created + INTERVAL 2 DAY END AS canceled_at,
            CASE WHEN outcome = 'canceled' THEN 'requested_by_customer' END AS cancellation_reason,
            CASE WHEN outcome = 'failed' THEN 'card_error' END AS last_payment_error_type,
            CASE WHEN outcome = 'failed' THEN fail_code END AS last_payment_error_code,
            CASE WHEN outcome = 'failed' AND fail_type = 'issuer_declined' THEN decline END
                AS last_payment_error_decline_code,
            false AS livemode, '{{}}' AS metadata, now()::TIMESTAMP AS synced_at
        FROM _syn2""")
    con.execute(f"""
        INSERT OR REPLACE INTO charges BY NAME
        SELECT {acct}, 'ch_syn' || sid AS id, created, amount,
            CASE WHEN outcome = 'captured' THEN amount ELSE 0 END AS amount_captured,
            CASE WHEN has_refund THEN refund_amount ELSE 0 END AS amount_refunded, currency,
            CASE WHEN outcome = 'failed' THEN 'failed' ELSE 'succeeded' END AS status,
            outcome <> 'failed' AS paid, outcome = 'captured' AS captured,
            has_refund AND refund_amount = amount AS refunded, has_dispute AS disputed,
            'pi_syn' || sid AS payment_intent, 'cus_syn' || printf('%010d', i % {n_customers}) AS customer,
            NULL AS description,
            CASE WHEN outcome = 'captured' THEN 'txn_ch' || sid END AS balance_transaction,
            CASE WHEN outcome = 'failed' THEN fail_code END AS failure_code,
            CASE WHEN outcome = 'failed' THEN 'Your card was declined.' END AS failure_message,
            CASE WHEN outcome = 'failed' THEN decline END AS decline_code,
            CASE WHEN outcome = 'failed' THEN fail_type ELSE 'authorized' END AS outcome_type,
            CASE WHEN outcome = 'failed' THEN decline END AS outcome_reason,
            CASE WHEN outcome <> 'failed' THEN 'approved_by_network'
                 WHEN fail_type = 'blocked' THEN 'not_sent_to_network' ELSE 'declined_by_network' END
                AS outcome_network_status,
            CASE WHEN outcome = 'failed' AND fail_type = 'blocked' THEN 'highest' ELSE 'normal' END
                AS outcome_risk_level,
            NULL AS outcome_seller_message, 'pm_syn' || sid AS payment_method, 'card' AS payment_method_type,
            card_brand, country AS card_country, 'credit' AS card_funding,
            lpad(CAST(i % 10000 AS VARCHAR), 4, '0') AS card_last4, NULL AS three_d_secure_result,
            CASE WHEN outcome = 'failed' THEN 'failed' WHEN has_dispute THEN 'disputed'
                 WHEN has_refund AND refund_amount = amount THEN 'refunded'
                 WHEN has_refund THEN 'partially_refunded'
                 WHEN outcome = 'canceled' THEN 'canceled'
                 WHEN outcome = 'requires_capture' THEN 'uncaptured' ELSE 'succeeded' END AS pay_status,
            false AS livemode, '{{}}' AS metadata, now()::TIMESTAMP AS synced_at
        FROM _syn2 WHERE outcome NOT IN ('abandoned', 'requires_action')""")
    con.execute(f"""
        INSERT OR REPLACE INTO refunds BY NAME
        SELECT {acct}, 're_syn' || sid AS id, refund_created AS created, refund_amount AS amount, currency,
            CASE WHEN r_z < 0.01 THEN 'pending' ELSE 'succeeded' END AS status,
            CASE WHEN r_z < 0.7 THEN 'requested_by_customer' WHEN r_z < 0.9 THEN 'duplicate'
                 ELSE 'fraudulent' END AS reason,
            'ch_syn' || sid AS charge, 'pi_syn' || sid AS payment_intent,
            'txn_re' || sid AS balance_transaction, NULL AS failure_reason,
            NULL AS failure_balance_transaction, '{{}}' AS metadata, now()::TIMESTAMP AS synced_at
        FROM _syn2 WHERE has_refund""")
    con.execute(f"""
        INSERT OR REPLACE INTO disputes BY NAME
        SELECT {acct}, 'du_syn' || sid AS id, dispute_created AS created, amount, currency,
            dispute_status AS status, dispute_reason AS reason, 'ch_syn' || sid AS charge,
            'pi_syn' || sid AS payment_intent, dispute_status LIKE 'warning_%' AS is_charge_refundable,
            CAST(dispute_created AS DATE) + INTERVAL 9 DAY - INTERVAL 1 SECOND AS evidence_due_by,
            dispute_status NOT IN ('needs_response', 'warning_needs_response') AS evidence_has_evidence,
            false AS evidence_past_due,
            CASE WHEN dispute_status IN ('needs_response', 'warning_needs_response') THEN 0 ELSE 1 END
                AS evidence_submission_count,
            CASE WHEN dispute_status LIKE 'warning_%' THEN 'inquiry' ELSE 'chargeback' END AS case_type,
            CASE dispute_reason WHEN 'fraudulent' THEN '10.4' WHEN 'product_not_received' THEN '13.1'
                 ELSE '13.3' END AS network_reason_code,
            card_brand, false AS livemode, '{{}}' AS metadata, now()::TIMESTAMP AS synced_at
        FROM _syn2 WHERE has_dispute""")
    con.execute(f"""
        INSERT OR REPLACE INTO balance_transactions BY NAME
        WITH ch AS (
            SELECT *, CAST(round(usd_amount * (0.029 + CASE WHEN country <> 'US' THEN 0.015 ELSE 0 END
                    + CASE WHEN currency <> 'usd' THEN 0.01 ELSE 0 END)) AS BIGINT) + 30 AS fee
            FROM _syn2 WHERE outcome = 'captured')
        SELECT {acct}, 'txn_ch' || sid AS id, created, created + INTERVAL 2 DAY AS available_on,
            usd_amount AS amount, fee, usd_amount - fee AS net, 'usd' AS currency, fx AS exchange_rate,
            'charge' AS type, 'charge' AS reporting_category, 'available' AS status,
            'ch_syn' || sid AS source, 'Payment' AS description, now()::TIMESTAMP AS synced_at
        FROM ch
        UNION ALL
        SELECT {acct}, 'txn_re' || sid, refund_created, refund_created + INTERVAL 2 DAY,
            -CAST(round(refund_amount / power(10, expo) / per_usd * 100) AS BIGINT), 0,
            -CAST(round(refund_amount / power(10, expo) / per_usd * 100) AS BIGINT), 'usd', fx,
            'refund', 'refund', 'available', 're_syn' || sid, 'REFUND FOR CHARGE', now()::TIMESTAMP
        FROM _syn2 WHERE has_refund
        UNION ALL
        SELECT {acct}, 'txn_du' || sid, dispute_created, dispute_created + INTERVAL 2 DAY,
            -usd_amount, 1500, -usd_amount - 1500, 'usd', fx, 'adjustment', 'dispute', 'available',
            'du_syn' || sid, 'Chargeback withdrawal for ch_syn' || sid, now()::TIMESTAMP
        FROM _syn2 WHERE has_dispute AND dispute_status NOT LIKE 'warning_%'
        UNION ALL
        SELECT {acct}, 'txn_dr' || sid, dispute_created + INTERVAL 10 DAY, dispute_created + INTERVAL 12 DAY,
            usd_amount, 0, usd_amount, 'usd', fx, 'adjustment', 'dispute_reversal', 'available',
            'du_syn' || sid, 'Chargeback reversal for ch_syn' || sid, now()::TIMESTAMP
        FROM _syn2 WHERE has_dispute AND dispute_status = 'won'""")
    con.execute("DROP TABLE _syn")
    con.execute("DROP TABLE _syn2")

