"""The shop's database: :class:`MerchantDB` over an embedded SQLite file or a shared Postgres
(:mod:`.engines`), tables in :mod:`.schema`. Layering: schema ← engines ← merchant_db."""

from .merchant_db import (
    DEFAULT_DB_PATH,
    ENV_DATABASE_URL,
    ENV_DB_URL,
    ORDER_STATUSES,
    DuplicateEvent,
    MerchantDB,
    db_path_from_env,
    is_postgres_url,
)

__all__ = ["DEFAULT_DB_PATH", "ENV_DATABASE_URL", "ENV_DB_URL", "ORDER_STATUSES", "DuplicateEvent", "MerchantDB",
           "db_path_from_env", "is_postgres_url"]
