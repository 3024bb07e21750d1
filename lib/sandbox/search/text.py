"""How values are normalised for case-insensitive matching, the same way when indexed and queried.

- token values: lowercased, otherwise exact (``"Succeeded"`` -> ``"succeeded"``; booleans are
  ``"true"`` / ``"false"``, numbers their decimal text);
- string values (email, name, phone): lowercased with runs of whitespace collapsed to one space;
  their words are the whitespace-separated parts, their trigrams every 3-character slice.
"""

from __future__ import annotations

from typing import Any


def token(value: Any) -> str:
    if type(value) is str:  # most values: the fast path (this runs for every indexed field)
        return value.lower()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).lower()


def normalize(text: str) -> str:
    return " ".join(text.lower().split())


def words(text: str) -> list[str]:
    """The distinct words of ``text`` in first-seen order."""
    return list(dict.fromkeys(normalize(text).split()))


def trigrams(text: str) -> list[str]:
    """The distinct 3-character slices of the normalised ``text`` in first-seen order."""
    norm = normalize(text)
    return list(dict.fromkeys(norm[i:i + 3] for i in range(len(norm) - 2)))
