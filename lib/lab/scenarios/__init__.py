"""The scenario catalog: every test-mode behaviour in TEST_MODE.md as data.

Inside, lower modules never import higher ones:

- :mod:`.model`   the format (:class:`Scenario`, :class:`Step`, :data:`FACTS`, :data:`GROUPS`), the
                  event sequences and the step constructors
- :mod:`.cards`, :mod:`.threeds`, :mod:`.captures`, :mod:`.refunds_disputes`,
  :mod:`.idempotency_legacy`, :mod:`.api_errors`, :mod:`.saved_cards`, :mod:`.search_api`   the rows, by
  topic (they import only the model)
- :mod:`.catalog` the assembled catalog and its lookups

The outside (the runner, the Scenario catalog page, tests) uses what this face names.
"""

from .catalog import by_id, card_numbers, catalog, in_group, search
from .model import DEFAULT_AMOUNT, DEFAULT_CURRENCY, FACTS, GROUPS, RETURN_URL, Scenario, Step, pay, step

__all__ = ["DEFAULT_AMOUNT", "DEFAULT_CURRENCY", "FACTS", "GROUPS", "RETURN_URL", "Scenario", "Step", "by_id",
           "card_numbers", "catalog", "in_group", "pay", "search", "step"]
