"""Build tables without Streamlit: pages of a long list (counts written out by hand) and the clicked row."""

from __future__ import annotations

import pytest

from lib.lab.tables import csv_text, paginate, selected_row


def test_pages_of_25_with_counts():
    items = list(range(1, 63))  # 62 items: pages of 25, 25 and 12
    first = paginate(items, 1)
    assert (list(first.items), first.pages, first.total, first.first, first.last) == (list(range(1, 26)), 3, 62, 1, 25)
    assert first.caption == "1–25 of 62 · page 1 of 3"
    assert not first.has_previous and first.has_next
    last = paginate(items, 3)
    assert list(last.items) == list(range(51, 63)) and (last.first, last.last) == (51, 62)
    assert last.has_previous and not last.has_next
    assert last.caption == "51–62 of 62 · page 3 of 3"


def test_page_numbers_past_either_end_are_clamped():
    items = list(range(30))
    assert paginate(items, 9).number == 2 and paginate(items, 9).first == 26
    assert paginate(items, 0).number == 1 and paginate(items, -3).first == 1
    assert paginate(items, 1, per_page=10).pages == 3


def test_an_empty_list_is_one_empty_page():
    page = paginate([], 4)
    assert (page.number, page.pages, page.total, page.first, page.last, list(page.items)) == (1, 1, 0, 0, 0, [])
    assert page.caption == "Nothing to show"
    with pytest.raises(ValueError):
        paginate([1], 1, per_page=0)


def test_thousands_are_grouped():
    assert paginate(list(range(1234)), 2).caption == "26–50 of 1,234 · page 2 of 50"


def test_selected_row_from_a_cell_or_row_selection():
    assert selected_row({"rows": [], "columns": [], "cells": [(3, "amount")]}) == 3
    assert selected_row({"rows": [2], "columns": [], "cells": []}) == 2
    assert selected_row({"rows": [], "columns": ["amount"], "cells": []}) is None
    assert selected_row(None) is None


def test_csv_text():
    rows = [{"result": "✓ pass", "scenario": "Visa", "seconds": 0.5}, {"result": "! error", "scenario": "a, b"}]
    assert csv_text(rows) == 'result,scenario,seconds\n✓ pass,Visa,0.5\n! error,"a, b",\n'
    assert csv_text([]) == ""
