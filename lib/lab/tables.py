"""Tables of the Build pages without Streamlit: long lists shown a page at a time (the Request log,
Run all's results) and the row a click selected."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
DEFAULT_PER_PAGE = 25


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int        # 1-based, already clamped to 1..pages
    pages: int         # at least 1, even for an empty list
    total: int
    first: int         # 1-based position of the first item shown (0 when there is none)
    last: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def caption(self) -> str:
        """``"26–50 of 312 · page 2 of 13"``."""
        if not self.total:
            return "Nothing to show"
        return f"{self.first:,}–{self.last:,} of {self.total:,} · page {self.number} of {self.pages}"


def paginate(items: Sequence[T], number: int, per_page: int = DEFAULT_PER_PAGE) -> Page[T]:
    """Page ``number`` (1-based) of ``items``; a number past either end gives the first or last page."""
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    total = len(items)
    pages = max(1, -(-total // per_page))
    number = min(max(1, int(number)), pages)
    start = (number - 1) * per_page
    shown = items[start:start + per_page]
    return Page(shown, number, pages, total, start + 1 if shown else 0, start + len(shown))


def selected_row(selection: Mapping[str, Any] | None) -> int | None:
    """The table row a click selected, from ``st.dataframe``'s selection state (``{"rows": [...],
    "cells": [(row, column), ...]}``: a click on any cell selects that cell), else None."""
    if not selection:
        return None
    cells, rows = selection.get("cells") or [], selection.get("rows") or []
    if cells:
        return int(cells[0][0])
    return int(rows[0]) if rows else None


def csv_text(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as CSV (the columns of the first row, in order; a missing value is an empty cell)."""
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
