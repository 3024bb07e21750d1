"""Bulk seeding: months of realistic test-mode history through the resources' own handlers.

    from lib.sandbox import seed as sd
    stats = sd.seed(engine, payments=2000, days=30, seed=7, planner=sd.plan_payment)

What the outside may use: ``seed`` (the entry point), ``plan_payment`` (the default mix; a
planner with the same plan format may replace it), ``progress_bar``, ``BATCH``.

Inner layering: plans.py (the mix), seeder.py (one payment through the handlers), parallel.py
(batches built in several processes), history.py (``seed()``: picks one process or several).
"""

from .history import BATCH, progress_bar, seed
from .plans import plan_payment

__all__ = ["BATCH", "plan_payment", "progress_bar", "seed"]
