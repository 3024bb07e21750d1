"""Finance dashboard display rules (pure functions of lib.finance.ui_format / ui_charts): round
chart ticks, changes vs the previous period ("new" when there is too little to compare), column
widths that fit, codes in words."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.finance.ui_charts import round_step, value_axis
from lib.finance.ui_format import NEW, decline_label, delta_text, in_words
from lib.finance.ui_tables import fitted_width


@pytest.mark.parametrize(("span", "integer", "step"), [
    (93.4, False, 20),      # not 23.3 / 46.7 / 93.4: 0, 20, 40, ...
    (100, False, 20),
    (1234, False, 250),
    (25, True, 5),
    (3, True, 1),           # counts never tick at 0.5
    (0.4, True, 1),
    (0.4, False, 0.1),
    (0, True, 1),           # an empty chart still gets a step
])
def test_round_step_cuts_the_range_into_at_most_five_round_parts(span, integer, step):
    assert round_step(span, integer=integer) == pytest.approx(step)
    assert span / round_step(span, integer=integer) <= 5


def test_value_axis_starts_at_zero_and_spans_negative_values():
    axis = value_axis("Amount (USD)", [-300.0, 1200.0, float("nan")])
    assert axis["title"]["text"] == "Amount (USD)" and axis["tick0"] == 0 and axis["dtick"] == 500
    assert axis["rangemode"] == "tozero"


@pytest.mark.parametrize(("now", "before", "kwargs", "text"), [
    (150, 120, {"previous_records": 12}, "+25.0%"),
    (80, 100, {"previous_records": 50}, "-20.0%"),
    (100, 100, {"previous_records": 50}, "0.0%"),          # no sign, so no arrow
    (9692, 100, {"previous_records": 3}, NEW),             # not "+9592.0%": too few payments before
    (150, 120, {"previous_records": 3}, NEW),
    (1500, 100, {"previous_records": 400}, "+1400.0%"),    # a real jump on a real base is shown
    (500, 0, {"previous_records": 40}, NEW),
    (500, None, {}, NEW),                                   # nothing at all in the previous period
    (0, 0, {}, None),
    (None, 10, {}, None),
    (0.9239, 0.9098, {"pct": False, "previous_records": 40}, "+1.41 pts"),
    (0.9, 0.9, {"pct": False, "previous_records": 40}, "0.00 pts"),
    (0.9, 0.5, {"pct": False, "previous_records": 4}, NEW),
])
def test_delta_text(now, before, kwargs, text):
    assert delta_text(now, before, **kwargs) == text


def test_fitted_width_only_when_a_value_is_wider_than_its_header():
    assert fitted_width("Description", ["Hoodie", None, float("nan")]) is None
    wide = fitted_width("Charge", ["ch_0VcjNXPMMK7DrY5e5702Wn6m"])
    assert wide is not None and wide > 200
    assert fitted_width("Status", [["Partially refunded"], []], pill=True) > fitted_width(
        "Status", ["Partially refunded"])


def test_codes_in_words_keep_missing_values_blank():
    frame = pd.DataFrame({"decline_code": ["incorrect_cvc", None, "insufficient_funds"]})
    words = in_words(frame, {"decline_code": decline_label}).decline_code.tolist()
    assert words[0] == "Incorrect CVC" and pd.isna(words[1]) and words[2] == "Insufficient funds"
