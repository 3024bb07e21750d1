"""Step 4's expander: why the code above sends a ``return_url`` (lib.learn.return_url has the facts)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib.learn import return_url as lesson


def expander(conn: Any) -> None:
    with st.expander("Why the code sends a `return_url` — the classic example fails on today's Stripe"):
        st.markdown(
            f"Tutorials written before {lesson.SINCE} create and confirm in one call with just an amount, a "
            "currency and a payment method. Since that API version a PaymentIntent created without "
            "`payment_method_types` has **automatic payment methods** on: it accepts whatever the Dashboard "
            "enables, and some of those redirect the customer to their bank. So Stripe refuses to confirm it "
            "without somewhere to send the customer back to "
            "([changelog](https://docs.stripe.com/changelog/2023-08-16/automatic-payment-methods)):")
        st.code(lesson.code(), language="python")
        st.markdown("**Stripe answers `400 invalid_request_error`:**")
        st.code(lesson.RETURN_URL_REQUIRED, language="text", wrap_lines=True)
        st.markdown("**Three ways out** (off-session payments, `off_session=true`, need none):")
        for way in lesson.WAYS_OUT:
            st.markdown(f"*{way.title}* — {way.when}")
            st.code(lesson.code(way.extra), language="python")
        if st.button("Send the classic request now", key="learn_classic_send",
                     help="Exactly the request above. It is refused before anything is created: nothing is charged."):
            st.session_state["learn_classic_answer"] = lesson.send_classic(conn.client)
        answer = st.session_state.get("learn_classic_answer")
        if answer is not None:
            text = f"HTTP {answer.status} · request `{answer.request_id or '—'}`\n\n{answer.message}"
            (st.error if answer.status == 400 else st.info)(text)
