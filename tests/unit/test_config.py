from __future__ import annotations

import copy
import dataclasses
import pickle
from pathlib import Path

import pytest

from lib.config import (
    DEFAULT_SANDBOX_DATA_DIR,
    SANDBOX_PUBLISHABLE_KEY,
    SANDBOX_SECRET_KEY,
    ConfigError,
    Mode,
    Secret,
    load_settings,
    mask_key,
    settings_from_values,
)

TEST_KEY = "sk_test_51AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd"
LIVE_KEY = "sk_live_51AbCdEfGhIjKlMnOpQrStUvWxYz0123456789wxyz"
PK_TEST = "pk_test_51AbCdEfGhIjKlMnOpQrStUvWxYz0123456789pkpk"
WHSEC = "whsec_0123456789abcdef0123456789abcdef"


def load(tmp_path: Path, secrets_text: str = "", **env: str):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(secrets_text)
    return load_settings(environ=env, secrets_path=secrets)


# --- mask_key --------------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "masked"), [
    (TEST_KEY, "sk_test_…abcd"),
    (LIVE_KEY, "sk_live_…wxyz"),
    ("rk_test_" + "a" * 20 + "WXYZ", "rk_test_…WXYZ"),
    (PK_TEST, "pk_test_…pkpk"),
    (WHSEC, "whsec_…cdef"),
    ("sk_test_short", "sk_test_…"),  # too short: showing the tail would reveal most of it
    ("sk_test_x", "sk_test_…"),
    ("", "(not set)"),
    (None, "(not set)"),
    ("no-prefix-but-long-enough-1234", "…1234"),
    ("tiny", "…"),
])
def test_mask_key(key, masked):
    assert mask_key(key) == masked


def test_mask_key_accepts_secret():
    assert mask_key(Secret(TEST_KEY)) == "sk_test_…abcd"


def test_secret_never_shows_its_value():
    secret = Secret(TEST_KEY)
    assert TEST_KEY not in str(secret)
    assert TEST_KEY not in repr(secret)
    assert TEST_KEY not in f"{secret}"
    assert TEST_KEY not in "%s %r" % (secret, secret)  # noqa: UP031 - old-style formatting on purpose
    assert secret.reveal() == TEST_KEY
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    assert copy.deepcopy(secret) is secret and copy.copy(secret) is secret


def test_settings_can_be_converted_with_asdict_without_revealing_keys():
    settings = settings_from_values({"STRIPE_SECRET_KEY": TEST_KEY})
    as_text = str(dataclasses.asdict(settings))
    assert TEST_KEY not in as_text and "sk_test_…abcd" in as_text


# --- mode detection --------------------------------------------------------------------------

def test_no_key_means_embedded_sandbox(tmp_path):
    settings = load(tmp_path)
    assert settings.mode == Mode.SANDBOX
    assert settings.secret_key is None
    assert settings.effective_secret_key == SANDBOX_SECRET_KEY
    assert settings.effective_publishable_key == SANDBOX_PUBLISHABLE_KEY
    assert settings.sandbox_data_dir == DEFAULT_SANDBOX_DATA_DIR
    assert settings.warnings == ()


@pytest.mark.parametrize("key", [TEST_KEY, "rk_test_" + "r" * 30])
def test_test_keys_select_test_mode(tmp_path, key):
    settings = load(tmp_path, STRIPE_SECRET_KEY=key, STRIPE_PUBLISHABLE_KEY=PK_TEST)
    assert settings.mode == Mode.TEST
    assert settings.effective_secret_key == key
    assert settings.effective_publishable_key == PK_TEST
    assert settings.api_base is None


def test_test_mode_without_publishable_key_warns(tmp_path):
    settings = load(tmp_path, STRIPE_SECRET_KEY=TEST_KEY)
    assert settings.effective_publishable_key is None
    assert any("STRIPE_PUBLISHABLE_KEY is not set" in w for w in settings.warnings)


def test_api_base_selects_custom_mode_with_dummy_key(tmp_path):
    settings = load(tmp_path, STRIPE_API_BASE="http://localhost:12111/")
    assert settings.mode == Mode.CUSTOM
    assert settings.api_base == "http://localhost:12111"
    assert settings.effective_secret_key.startswith("sk_test_")
    assert settings.effective_publishable_key == SANDBOX_PUBLISHABLE_KEY


def test_api_base_with_key_keeps_the_key(tmp_path):
    settings = load(tmp_path, STRIPE_API_BASE="https://stripe-mock.internal:8443",
                    STRIPE_SECRET_KEY=TEST_KEY)
    assert settings.mode == Mode.CUSTOM
    assert settings.effective_secret_key == TEST_KEY
    assert settings.api_base == "https://stripe-mock.internal:8443"


@pytest.mark.parametrize("key", [LIVE_KEY, "rk_live_" + "q" * 30])
def test_live_key_is_refused_without_readonly_flag(tmp_path, key):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, STRIPE_SECRET_KEY=key)
    message = str(info.value)
    assert "live" in message and "STRIPE_LIVE_READONLY=1" in message
    assert key not in message


@pytest.mark.parametrize("flag", ["1", "true", "YES", "on"])
def test_live_key_with_readonly_flag(tmp_path, flag):
    settings = load(tmp_path, STRIPE_SECRET_KEY=LIVE_KEY, STRIPE_LIVE_READONLY=flag)
    assert settings.mode == Mode.LIVE_READONLY
    assert settings.live_readonly is True


def test_readonly_flag_with_test_key_is_ignored_with_warning(tmp_path):
    settings = load(tmp_path, STRIPE_SECRET_KEY=TEST_KEY, STRIPE_LIVE_READONLY="1",
                    STRIPE_PUBLISHABLE_KEY=PK_TEST)
    assert settings.mode == Mode.TEST
    assert settings.live_readonly is False
    assert any("only applies to live keys" in w for w in settings.warnings)


# --- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize(("env", "expected"), [
    ({"STRIPE_SECRET_KEY": "sk_foo_123"}, "malformed"),
    ({"STRIPE_SECRET_KEY": "hello"}, "malformed"),
    ({"STRIPE_SECRET_KEY": '"' + TEST_KEY + '"'}, "quotes"),
    ({"STRIPE_SECRET_KEY": TEST_KEY[:20] + " " + TEST_KEY[20:]}, "spaces"),
    ({"STRIPE_SECRET_KEY": PK_TEST}, "publishable key"),
    ({"STRIPE_SECRET_KEY": WHSEC}, "webhook signing secret"),
    ({"STRIPE_PUBLISHABLE_KEY": TEST_KEY, "STRIPE_SECRET_KEY": TEST_KEY}, "Never give a secret key"),
    ({"STRIPE_PUBLISHABLE_KEY": "pk_nope", "STRIPE_SECRET_KEY": TEST_KEY}, "malformed"),
    ({"STRIPE_WEBHOOK_SECRET": "secret"}, "whsec_"),
    ({"STRIPE_API_BASE": "localhost:12111"}, "http(s) URL"),
    ({"STRIPE_API_BASE": "ftp://example.com"}, "http(s) URL"),
    ({"STRIPE_API_BASE": "http://"}, "http(s) URL"),
    ({"STRIPE_API_BASE": "http://host:99999"}, "not a valid URL"),
    ({"STRIPE_API_BASE": "http://host?x=1"}, "query"),
    ({"STRIPE_API_BASE": "http://user:pw@host"}, "credentials"),
    ({"STRIPE_LIVE_READONLY": "maybe"}, "must be 1"),
    ({"STRIPE_SECRET_KEY": TEST_KEY, "STRIPE_PUBLISHABLE_KEY": "pk_live_" + "z" * 30}, "different modes"),
])
def test_bad_values_give_clear_errors_without_the_value(tmp_path, env, expected):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, **env)
    message = str(info.value)
    assert expected in message
    for name, value in env.items():
        if name != "STRIPE_API_BASE":  # the API base error legitimately shows an example URL
            assert value.strip('"') not in message


def test_publishable_key_alone_is_ignored_in_sandbox_mode(tmp_path):
    settings = load(tmp_path, STRIPE_PUBLISHABLE_KEY=PK_TEST)
    assert settings.mode == Mode.SANDBOX
    assert settings.effective_publishable_key == SANDBOX_PUBLISHABLE_KEY
    assert any("ignored" in w for w in settings.warnings)


def test_whitespace_around_values_is_trimmed_and_blank_means_unset(tmp_path):
    settings = load(tmp_path, STRIPE_SECRET_KEY=f"  {TEST_KEY}\n", STRIPE_API_BASE="   ",
                    STRIPE_PUBLISHABLE_KEY=PK_TEST)
    assert settings.mode == Mode.TEST
    assert settings.effective_secret_key == TEST_KEY


# --- secrets.toml ----------------------------------------------------------------------------

def test_secrets_toml_top_level_names(tmp_path):
    settings = load(tmp_path, f'STRIPE_SECRET_KEY = "{TEST_KEY}"\nSTRIPE_PUBLISHABLE_KEY = "{PK_TEST}"\n'
                              f'STRIPE_WEBHOOK_SECRET = "{WHSEC}"\n')
    assert settings.mode == Mode.TEST
    assert settings.webhook_secret is not None and settings.webhook_secret.reveal() == WHSEC


def test_secrets_toml_stripe_table(tmp_path):
    text = f'[stripe]\nsecret_key = "{LIVE_KEY}"\nlive_readonly = true\napi_base = "http://127.0.0.1:9"\n'
    settings = load(tmp_path, text)
    assert settings.mode == Mode.LIVE_READONLY
    assert settings.api_base == "http://127.0.0.1:9"


def test_environment_wins_over_secrets_toml(tmp_path):
    other = "sk_test_" + "e" * 30
    settings = load(tmp_path, f'STRIPE_SECRET_KEY = "{TEST_KEY}"\n', STRIPE_SECRET_KEY=other,
                    STRIPE_PUBLISHABLE_KEY=PK_TEST)
    assert settings.effective_secret_key == other


def test_invalid_toml_is_a_config_error_without_content(tmp_path):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, f'STRIPE_SECRET_KEY = {TEST_KEY}\n')  # missing quotes
    assert "not valid TOML" in str(info.value)
    assert TEST_KEY not in str(info.value)


def test_non_string_value_in_toml(tmp_path):
    with pytest.raises(ConfigError, match="must be a string"):
        load(tmp_path, "STRIPE_SECRET_KEY = [1, 2]\n")


def test_missing_default_secrets_file_is_fine(tmp_path, monkeypatch):
    monkeypatch.setattr("lib.config.DEFAULT_SECRETS_PATH", tmp_path / "nope.toml")
    assert load_settings(environ={}).mode == Mode.SANDBOX


def test_explicit_secrets_file_must_exist(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(environ={"PFL_SECRETS_FILE": str(tmp_path / "missing.toml")})


def test_secrets_file_from_environment(tmp_path):
    path = tmp_path / "elsewhere.toml"
    path.write_text(f'STRIPE_SECRET_KEY = "{TEST_KEY}"\n')
    assert load_settings(environ={"PFL_SECRETS_FILE": str(path)}).mode == Mode.TEST


def test_sandbox_data_dir_override(tmp_path):
    settings = load(tmp_path, SANDBOX_DATA_DIR=str(tmp_path / "data"))
    assert settings.sandbox_data_dir == (tmp_path / "data").resolve()


# --- repr / fingerprint ----------------------------------------------------------------------

def test_settings_repr_and_str_never_contain_keys(tmp_path):
    settings = load(tmp_path, STRIPE_SECRET_KEY=TEST_KEY, STRIPE_PUBLISHABLE_KEY=PK_TEST,
                    STRIPE_WEBHOOK_SECRET=WHSEC)
    for text in (repr(settings), str(settings), f"{settings}"):
        for key in (TEST_KEY, PK_TEST, WHSEC):
            assert key not in text
    assert "sk_test_…abcd" in repr(settings)


def test_fingerprint_changes_with_any_setting():
    base = settings_from_values({"STRIPE_SECRET_KEY": TEST_KEY})
    other_key = settings_from_values({"STRIPE_SECRET_KEY": TEST_KEY[:-1] + "z"})
    same = settings_from_values({"STRIPE_SECRET_KEY": TEST_KEY})
    assert base.fingerprint() == same.fingerprint()
    assert base.fingerprint() != other_key.fingerprint()
    assert TEST_KEY not in base.fingerprint()
