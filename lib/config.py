"""Settings for Payment Flow Lab, read from environment variables or ``.streamlit/secrets.toml``.

Nothing here imports Streamlit. Secrets are wrapped in :class:`Secret`, whose ``str``/``repr``
is the masked form, so a stray ``print(settings)`` or ``st.write(settings)`` never shows a key.

Mode detection (first match wins):

* ``sk_live_``/``rk_live_`` key -> refused with :class:`ConfigError`, unless
  ``STRIPE_LIVE_READONLY=1`` -> ``"live_readonly"`` (every write is blocked by lib.gateway).
* ``STRIPE_API_BASE`` set -> ``"custom"`` (any Stripe-compatible server; a dummy test key is used
  when no key is given).
* ``sk_test_``/``rk_test_`` key -> ``"test"`` (the real Stripe API in test mode).
* no key -> ``"sandbox"`` (the embedded offline sandbox, see lib.gateway.get_sandbox).
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

PROJECT_ROOT: Final = Path(__file__).resolve().parent.parent
DEFAULT_SECRETS_PATH: Final = PROJECT_ROOT / ".streamlit" / "secrets.toml"
DEFAULT_SANDBOX_DATA_DIR: Final = PROJECT_ROOT / ".sandbox"

# Environment variables (also accepted as top-level keys in secrets.toml).
ENV_SECRET_KEY: Final = "STRIPE_SECRET_KEY"
ENV_PUBLISHABLE_KEY: Final = "STRIPE_PUBLISHABLE_KEY"
ENV_WEBHOOK_SECRET: Final = "STRIPE_WEBHOOK_SECRET"
ENV_API_BASE: Final = "STRIPE_API_BASE"
ENV_LIVE_READONLY: Final = "STRIPE_LIVE_READONLY"
ENV_SANDBOX_DATA_DIR: Final = "SANDBOX_DATA_DIR"
ENV_SECRETS_FILE: Final = "PFL_SECRETS_FILE"  # alternative secrets.toml location (tests use it)

SETTING_NAMES: Final = (ENV_SECRET_KEY, ENV_PUBLISHABLE_KEY, ENV_WEBHOOK_SECRET, ENV_API_BASE,
                        ENV_LIVE_READONLY, ENV_SANDBOX_DATA_DIR)

class Mode(StrEnum):
    """Where the app's API requests go. Values are the strings the settings and logs use."""

    SANDBOX = "sandbox"
    TEST = "test"
    CUSTOM = "custom"
    LIVE_READONLY = "live_readonly"

    @property
    def label(self) -> str:
        return _MODE_LABELS[self]

    @property
    def description(self) -> str:
        return _MODE_DESCRIPTIONS[self]


_MODE_LABELS: Final = {
    Mode.SANDBOX: "Offline sandbox",
    Mode.TEST: "Stripe test mode",
    Mode.CUSTOM: "Custom API",
    Mode.LIVE_READONLY: "Live (read-only)",
}
_MODE_DESCRIPTIONS: Final = {
    Mode.SANDBOX: "An embedded Stripe-compatible server runs inside this app. No account or network needed.",
    Mode.TEST: "Requests go to api.stripe.com with your test-mode key. No real money moves.",
    Mode.CUSTOM: "Requests go to the Stripe-compatible server at STRIPE_API_BASE.",
    Mode.LIVE_READONLY: "Requests go to api.stripe.com with a live key. Every write is blocked before "
                        "it is sent; you can only browse.",
}

# Keys used when the user gives none: the sandbox (embedded or custom) accepts any sk_test_/pk_test_.
SANDBOX_SECRET_KEY: Final = "sk_test_sandbox"
SANDBOX_PUBLISHABLE_KEY: Final = "pk_test_sandbox"

_SECRET_KEY_RE = re.compile(r"^(sk|rk)_(test|live)_[A-Za-z0-9_]+$")
_PUBLISHABLE_KEY_RE = re.compile(r"^pk_(test|live)_[A-Za-z0-9_]+$")
_WEBHOOK_SECRET_RE = re.compile(r"^whsec_[A-Za-z0-9+/=_-]+$")
_KEY_PREFIX_RE = re.compile(r"^(sk_test_|sk_live_|rk_test_|rk_live_|pk_test_|pk_live_|whsec_)")
_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})
_MASK_VISIBLE_TAIL = 4
_MASK_MIN_HIDDEN = 8  # show the tail only when at least this many characters stay hidden


class ConfigError(ValueError):
    """The configuration cannot be used. The message says what to change and never holds a key."""


class ReadOnlyError(RuntimeError):
    """A write was attempted in live read-only mode. lib.gateway raises it before anything is sent."""


def mask_key(key: str | Secret | None) -> str:
    """Return a display-safe form of a Stripe key: ``sk_test_…abcd``.

    The known prefix is kept (it tells you the key kind and mode); only the last four characters
    are shown, and only when the key is long enough that most of it stays hidden.
    """
    if isinstance(key, Secret):
        key = key.reveal()
    if not key:
        return "(not set)"
    key = key.strip()
    match = _KEY_PREFIX_RE.match(key)
    prefix = match.group(1) if match else ""
    rest = key[len(prefix):]
    if len(rest) >= _MASK_VISIBLE_TAIL + _MASK_MIN_HIDDEN:
        return f"{prefix}…{rest[-_MASK_VISIBLE_TAIL:]}"
    return f"{prefix}…" if prefix else "…"


class Secret:
    """A secret string whose ``str``/``repr``/format is masked. Use :meth:`reveal` for the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    @property
    def masked(self) -> str:
        return mask_key(self._value)

    def __repr__(self) -> str:
        return f"Secret({self.masked!r})"

    def __str__(self) -> str:
        return self.masked

    def __format__(self, spec: str) -> str:
        return format(self.masked, spec)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __copy__(self) -> Secret:  # immutable: copies may share the instance
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self

    def __reduce__(self) -> Any:  # keep keys out of pickles (e.g. st.cache_data, session files)
        raise TypeError("Secret values cannot be pickled")


@dataclass(frozen=True)
class Settings:
    """Validated configuration. ``repr`` shows masked keys only."""

    mode: Mode
    secret_key: Secret | None = None
    publishable_key: Secret | None = None
    webhook_secret: Secret | None = None
    api_base: str | None = None
    live_readonly: bool = False
    sandbox_data_dir: Path = DEFAULT_SANDBOX_DATA_DIR
    warnings: tuple[str, ...] = field(default=())

    @property
    def effective_secret_key(self) -> str:
        """The key to send: the user's key, or the dummy sandbox key in sandbox/custom mode."""
        return self.secret_key.reveal() if self.secret_key else SANDBOX_SECRET_KEY

    @property
    def effective_publishable_key(self) -> str | None:
        """The publishable key for the browser; ``pk_test_sandbox`` when talking to a sandbox."""
        if self.mode == Mode.SANDBOX:
            return SANDBOX_PUBLISHABLE_KEY
        if self.publishable_key:
            return self.publishable_key.reveal()
        return SANDBOX_PUBLISHABLE_KEY if self.mode == Mode.CUSTOM else None

    def fingerprint(self) -> str:
        """A digest that changes whenever any setting changes (safe to use as a cache key)."""
        parts = [self.mode, self.api_base or "", str(self.live_readonly), str(self.sandbox_data_dir)]
        for secret in (self.secret_key, self.publishable_key, self.webhook_secret):
            parts.append(secret.reveal() if secret else "")
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def load_settings(environ: Mapping[str, str] | None = None,
                  secrets_path: Path | str | None = None) -> Settings:
    """Read and validate settings. Environment variables win over secrets.toml.

    ``secrets_path`` defaults to ``$PFL_SECRETS_FILE`` or ``<project>/.streamlit/secrets.toml``.
    Raises :class:`ConfigError` with a fix-it message on any bad value.
    """
    env = os.environ if environ is None else environ
    raw = read_secrets_file(_secrets_path(env, secrets_path))
    for name in SETTING_NAMES:
        value = env.get(name)
        if value is not None and value.strip():
            raw[name] = value
    return settings_from_values(raw)


def _secrets_path(env: Mapping[str, str], secrets_path: Path | str | None) -> tuple[Path, bool]:
    """The secrets file to read and whether it was explicitly requested (then it must exist)."""
    if secrets_path is not None:
        return Path(secrets_path), True
    if env.get(ENV_SECRETS_FILE, "").strip():
        return Path(env[ENV_SECRETS_FILE].strip()).expanduser(), True
    return DEFAULT_SECRETS_PATH, False


def read_secrets_file(location: tuple[Path, bool]) -> dict[str, str]:
    """Read the Stripe settings from a secrets.toml file.

    Accepts top-level ``STRIPE_SECRET_KEY = "..."`` style entries, or a ``[stripe]`` table with
    lower-case names (``secret_key``, ``publishable_key``, ``webhook_secret``, ``api_base``,
    ``live_readonly``). Other entries are ignored.
    """
    path, required = location
    if not path.exists():
        if required:
            raise ConfigError(f"The secrets file {path} does not exist (set by {ENV_SECRETS_FILE}).")
        return {}
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        # tomllib messages hold a position, not file content, so they are safe to show.
        raise ConfigError(f"{path.name} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read {path}: {exc.strerror or exc}") from None

    values: dict[str, str] = {}
    table = data.get("stripe", {})
    if not isinstance(table, dict):
        raise ConfigError(f"In {path.name}, 'stripe' must be a table like [stripe].")
    for name in SETTING_NAMES:
        short = name.removeprefix("STRIPE_").lower()
        for source, key in ((data, name), (table, short)):
            if key in source:
                values[name] = _toml_value_to_text(source[key], path.name, key)
    return values


def _toml_value_to_text(value: Any, file_name: str, key: str) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str | int):
        return str(value)
    raise ConfigError(f"In {file_name}, {key} must be a string.")


def settings_from_values(values: Mapping[str, str]) -> Settings:
    """Validate raw text values (keyed by environment variable name) into :class:`Settings`."""
    secret_key = _clean(values.get(ENV_SECRET_KEY))
    publishable_key = _clean(values.get(ENV_PUBLISHABLE_KEY))
    webhook_secret = _clean(values.get(ENV_WEBHOOK_SECRET))
    api_base = _parse_api_base(_clean(values.get(ENV_API_BASE)))
    live_readonly = _parse_flag(ENV_LIVE_READONLY, values.get(ENV_LIVE_READONLY))
    data_dir = _parse_data_dir(_clean(values.get(ENV_SANDBOX_DATA_DIR)))

    _check_secret_key(secret_key)
    _check_publishable_key(publishable_key)
    if webhook_secret and not _WEBHOOK_SECRET_RE.match(webhook_secret):
        raise ConfigError(f"{ENV_WEBHOOK_SECRET} is malformed: it must start with whsec_ "
                          "(copy it from `stripe listen` or the Dashboard's webhook endpoint page).")

    key_is_live = bool(secret_key and "_live_" in secret_key[:8])
    warnings: list[str] = []
    if key_is_live:
        if not live_readonly:
            raise ConfigError(
                f"{ENV_SECRET_KEY} is a live-mode key ({mask_key(secret_key)}). Payment Flow Lab refuses "
                "live keys because it creates and confirms payments. Use a test key (sk_test_…), or set "
                f"{ENV_LIVE_READONLY}=1 to browse live data read-only.")
        mode = Mode.LIVE_READONLY
    elif api_base:
        mode = Mode.CUSTOM
    elif secret_key:
        mode = Mode.TEST
    else:
        mode = Mode.SANDBOX

    if publishable_key:
        pk_is_live = publishable_key.startswith("pk_live_")
        if mode == Mode.SANDBOX:
            warnings.append(f"{ENV_PUBLISHABLE_KEY} is ignored: the offline sandbox uses "
                            f"{SANDBOX_PUBLISHABLE_KEY}. Set {ENV_SECRET_KEY} too to use your account.")
        elif pk_is_live != key_is_live and secret_key:
            raise ConfigError(f"{ENV_SECRET_KEY} and {ENV_PUBLISHABLE_KEY} are from different modes "
                              "(one is test, one is live). Copy both from the same Dashboard page.")
    elif mode == Mode.TEST:
        warnings.append(f"{ENV_PUBLISHABLE_KEY} is not set: pages that collect card details in the "
                        "browser need your pk_test_… key.")
    if live_readonly and mode != Mode.LIVE_READONLY:
        warnings.append(f"{ENV_LIVE_READONLY} only applies to live keys; it is ignored here.")

    return Settings(
        mode=mode,
        secret_key=Secret(secret_key) if secret_key else None,
        publishable_key=Secret(publishable_key) if publishable_key else None,
        webhook_secret=Secret(webhook_secret) if webhook_secret else None,
        api_base=api_base,
        live_readonly=mode == Mode.LIVE_READONLY,
        sandbox_data_dir=data_dir,
        warnings=tuple(warnings),
    )


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _check_secret_key(key: str | None) -> None:
    if key is None or _SECRET_KEY_RE.match(key):
        return
    if key.startswith("pk_"):
        raise ConfigError(f"{ENV_SECRET_KEY} holds a publishable key ({mask_key(key)}). Put it in "
                          f"{ENV_PUBLISHABLE_KEY}; {ENV_SECRET_KEY} takes the secret key (sk_test_…).")
    if key.startswith("whsec_"):
        raise ConfigError(f"{ENV_SECRET_KEY} holds a webhook signing secret. Put it in "
                          f"{ENV_WEBHOOK_SECRET}; {ENV_SECRET_KEY} takes the secret key (sk_test_…).")
    raise ConfigError(_malformed_message(ENV_SECRET_KEY, key, "sk_test_ or rk_test_"))


def _check_publishable_key(key: str | None) -> None:
    if key is None or _PUBLISHABLE_KEY_RE.match(key):
        return
    if key.startswith(("sk_", "rk_")):
        raise ConfigError(f"{ENV_PUBLISHABLE_KEY} holds a secret key ({mask_key(key)}). Never give a "
                          "secret key to the browser; use the publishable key (pk_test_…).")
    raise ConfigError(_malformed_message(ENV_PUBLISHABLE_KEY, key, "pk_test_"))


def _malformed_message(name: str, key: str, expected: str) -> str:
    hint = ""
    if key[:1] in "\"'" or key[-1:] in "\"'":
        hint = " It is wrapped in quotes; remove them."
    elif any(ch.isspace() for ch in key):
        hint = " It contains spaces or line breaks; copy the key again."
    return (f"{name} is malformed ({mask_key(key)}): expected {expected} followed by letters, digits "
            f"and underscores only.{hint}")


def _parse_api_base(value: str | None) -> str | None:
    if value is None:
        return None
    example = "http://localhost:12111"
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise ConfigError(f"{ENV_API_BASE} is not a valid URL; expected something like {example}.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{ENV_API_BASE} must be an http(s) URL with a host, like {example}.")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(f"{ENV_API_BASE} must not contain a query, fragment or credentials; "
                          f"expected something like {example}.")
    netloc = parts.hostname if port is None else f"{parts.hostname}:{port}"
    if ":" in parts.hostname:  # IPv6 literal
        netloc = f"[{parts.hostname}]" + ("" if port is None else f":{port}")
    return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def _parse_flag(name: str, value: str | None) -> bool:
    text = (value or "").strip().lower()
    if text in _TRUE_WORDS:
        return True
    if text in _FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be 1 (on) or 0 (off).")


def _parse_data_dir(value: str | None) -> Path:
    if value is None:
        return DEFAULT_SANDBOX_DATA_DIR
    return Path(value).expanduser().resolve()
