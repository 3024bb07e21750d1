"""How wide a dataframe column must be to show its longest value unclipped.

Streamlit's grid sizes a column by its header and first rows only, so a longer value further down
is cut with an ellipsis; the tables of Build and Finance set their text columns' widths from these
estimates instead. Pure (no Streamlit): the widths are estimates of the grid's 14 px font, on the
wide side.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

MAX_COLUMN_PX = 420
# Each character's advance in the grid's font ("400 14px Source Sans", what Streamlit's data grid
# draws with), measured in Chromium with canvas measureText; 8.5 px for any other character.
CHAR_PX = {
    " ": 2.8, "!": 4.05, "#": 6.96, "$": 6.96, "%": 11.54, "&": 8.53, "'": 3.49, "(": 4.24, ")": 4.24,
    "+": 6.96, ",": 3.49, "-": 4.35, ".": 3.49, "/": 4.9, "0": 6.96, "1": 6.96, "2": 6.96, "3": 6.96,
    "4": 6.96, "5": 6.96, "6": 6.96, "7": 6.96, "8": 6.96, "9": 6.96, ":": 3.49, ";": 3.49, "=": 6.96,
    "@": 11.86, "A": 7.6, "B": 8.23, "C": 7.99, "D": 8.61, "E": 7.38, "F": 6.92, "G": 8.64, "H": 9.13,
    "I": 3.68, "J": 6.71, "K": 8.11, "L": 6.8, "M": 10.18, "N": 9.06, "O": 9.3, "P": 7.92, "Q": 9.3,
    "R": 7.97, "S": 7.48, "T": 7.5, "U": 9.03, "V": 7.21, "W": 11.0, "X": 7.18, "Y": 6.66, "Z": 7.55,
    "[": 4.24, "]": 4.24, "_": 7.0, "a": 7.06, "b": 7.74, "c": 6.38, "d": 7.77, "e": 6.94, "f": 4.09,
    "g": 7.06, "h": 7.62, "i": 3.44, "j": 3.46, "k": 6.93, "l": 3.57, "m": 11.61, "n": 7.66, "o": 7.59,
    "p": 7.77, "q": 7.77, "r": 4.86, "s": 5.87, "t": 4.73, "u": 7.62, "v": 6.54, "w": 10.07, "x": 6.24,
    "y": 6.54, "z": 5.95, "|": 3.37, "£": 6.96, "¥": 6.96, "·": 3.49, "—": 11.2, "…": 13.27, "€": 6.96,
}
UNKNOWN_CHAR_PX = 8.5
MARGIN = 1.04  # on the wide side: the grid's kerning and a bold header must still fit


def text_px(text: str) -> float:
    """About how wide ``text`` is in the grid's 14 px font (a little on the wide side: it must fit)."""
    return MARGIN * sum(CHAR_PX.get(ch, UNKNOWN_CHAR_PX) for ch in text)


def fitted_width(header: str, values: Iterable[Any], *, pill: bool = False, max_px: int = MAX_COLUMN_PX) -> int | None:
    """Pixels for a column to show its longest value unclipped (the grid sizes a column by its
    header and first rows only, so a longer value further down would be cut), with the cell's
    padding: the grid keeps about 12 px beside a text, about 32 px beside a badge; 18 and 40 here.
    ``None`` (the grid's own size) when no value is wider than the header."""
    texts = [
        ", ".join(map(str, v)) if isinstance(v, list) else str(v)
        for v in values
        if isinstance(v, list) or not pd.isna(v)
    ]
    widest = max([0.0, *(text_px(t) for t in texts)])
    if widest <= text_px(header):
        return None
    return int(min(max_px, widest + (40 if pill else 18)))
