"""Sandbox ids (lib/sandbox/ids.py): Stripe's shape, time-ordered, unique, shared bodies."""

from __future__ import annotations

import re
import time

from lib.sandbox import ids


def test_shape_prefix_and_24_base62_characters():
    for prefix in ("pi", "ch", "evt", "txn"):
        assert re.fullmatch(prefix + r"_[A-Za-z0-9]{24}", ids.new_id(prefix))
    assert ids.new_id("ch", "SAMEBODY") == "ch_SAMEBODY" and ids.body_of("pi_abc_def") == "abc_def"
    assert ids.kind_of("pi_x") == "payment_intent" and ids.kind_of("zz_x") is None


def test_ids_sort_by_creation_time():
    first = ids.new_id("pi")
    time.sleep(0.003)
    later = [ids.new_id("pi") for _ in range(50)]
    assert all(first < x for x in later)  # byte order, as SQLite's primary-key index compares them
    assert ids.body_of(first)[:8] <= ids.time_prefix()


def test_time_prefix_encodes_milliseconds_in_order():
    a = ids.time_prefix()
    time.sleep(0.002)
    b = ids.time_prefix()
    assert len(a) == len(b) == 8 and a < b
    decoded = 0
    for ch in b:
        decoded = decoded * 62 + ids._ORDERED.index(ch)
    assert abs(decoded - time.time() * 1000) < 5000


def test_many_ids_in_one_millisecond_are_unique():
    made = [ids.new_id("evt") for _ in range(20000)]
    assert len(set(made)) == len(made)
    assert len({ids.random_body(12) for _ in range(20000)}) == 20000
