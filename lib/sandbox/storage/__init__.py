"""Persistence: ``Store`` (SQLite, one connection, a transaction per request) and ``BufferedStore``
(a write-behind view of it, for a request's writes and the seeder's batches).

Inner layering: store.py, then bulkstore.py (which reads store.py's row layout).
"""

from .bulkstore import BufferedStore, fast_writes
from .store import Store, dumps

__all__ = ["BufferedStore", "Store", "dumps", "fast_writes"]
