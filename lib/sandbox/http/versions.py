"""Which ``Stripe-Version`` values the sandbox accepts (TEST_MODE.md §8.4).

Stripe answers an unknown version with a 400 ``invalid_request_error``, "Invalid Stripe API
version: <value>". Known here means a real calendar date in one of the two formats Stripe uses:

* before the first named release (2024-09-30): ``YYYY-MM-DD``, from 2011 on;
* from then on: ``YYYY-MM-DD.<release>``, the date within that release's span — from the release's
  first version up to the next release's — and no later than the version this project pins
  (lib.stripe_facts.api_version), the newest the sandbox knows.

Stripe also knows the exact list of its dated and monthly versions; the sandbox does not carry it,
so a well-formed date that Stripe never released (``2022-08-02``, ``2025-05-01.basil``) passes here.
"""

from __future__ import annotations

import datetime as dt
import re

from lib.stripe_facts.api_version import API_VERSION

from ..errors import ParamError

# (first version of the release, its name), oldest first. The pinned version's release closes the list.
NAMED_RELEASES: tuple[tuple[str, str], ...] = (
    ("2024-09-30", "acacia"), ("2025-03-31", "basil"), ("2025-09-30", "clover"), ("2026-03-25", "dahlia"),
)
FIRST_DATED = dt.date(2011, 1, 1)
_FORMAT = re.compile(r"(\d{4}-\d{2}-\d{2})(?:\.([a-z]+))?")


def _spans() -> dict[str, tuple[dt.date, dt.date]]:
    """Release name -> (first date, last date it can carry), ending at the pinned version."""
    pinned_date, _, pinned_name = API_VERSION.partition(".")
    releases = [(dt.date.fromisoformat(d), n) for d, n in NAMED_RELEASES]
    if pinned_name not in {n for _, n in releases}:
        releases.append((dt.date.fromisoformat(pinned_date), pinned_name))
    newest = dt.date.fromisoformat(pinned_date)
    ends = [start - dt.timedelta(days=1) for start, _ in releases[1:]] + [newest]
    return {name: (start, end) for (start, name), end in zip(releases, ends, strict=True)}


SPANS = _spans()
FIRST_NAMED = min(start for start, _ in SPANS.values())


def is_known(version: str) -> bool:
    m = _FORMAT.fullmatch(version)
    if not m:
        return False
    try:
        date = dt.date.fromisoformat(m.group(1))
    except ValueError:
        return False
    name = m.group(2)
    if name is None:
        return FIRST_DATED <= date < FIRST_NAMED
    span = SPANS.get(name)
    return span is not None and span[0] <= date <= span[1]


def requested_version(header: str | None) -> str | None:
    """The request's ``Stripe-Version`` (None, or an empty header: the default), or the 400 for an unknown one."""
    if not header:
        return None
    if not is_known(header):
        raise ParamError(f"Invalid Stripe API version: {header[:100]}")
    return header
