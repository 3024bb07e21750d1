"""The Postgres test harness without a server: where it finds the server programs, and what a test
session does when they are missing (fail under CI=true, skip elsewhere)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import postgres


def _programs(folder: Path, names: tuple[str, ...] = ("initdb", "postgres")) -> Path:
    folder.mkdir(parents=True)
    for name in names:
        program = folder / name
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)
    return folder


def test_prefers_the_newest_complete_debian_version(tmp_path: Path) -> None:
    for version in ("9", "13", "16"):
        _programs(tmp_path / "postgresql" / version / "bin")
    _programs(tmp_path / "postgresql" / "17" / "bin", names=("initdb",))  # no server program
    empty_path = _programs(tmp_path / "empty", names=())

    found = postgres.find_bin_dir(debian_glob=str(tmp_path / "postgresql" / "*" / "bin"), path=str(empty_path))

    assert found == tmp_path / "postgresql" / "16" / "bin"


def test_follows_a_path_symlink_to_the_real_folder(tmp_path: Path) -> None:
    real = _programs(tmp_path / "real" / "bin")
    local = _programs(tmp_path / "local" / "bin", names=())
    os.symlink(real / "initdb", local / "initdb")  # like /usr/local/bin/pg_ctl here: a lone link

    found = postgres.find_bin_dir(debian_glob=str(tmp_path / "none" / "*"), path=str(local))

    assert found == real


def test_finds_nothing_without_the_programs(tmp_path: Path) -> None:
    only_initdb = _programs(tmp_path / "bin", names=("initdb",))

    assert postgres.find_bin_dir(debian_glob=str(tmp_path / "none" / "*"), path=str(only_initdb)) is None


@pytest.fixture
def no_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "find_bin_dir", lambda: None)


def test_missing_postgres_fails_under_ci(no_postgres: None) -> None:
    with pytest.raises(pytest.fail.Exception) as failure:
        postgres.start_for_tests({"CI": "true"})

    assert "CI=true and no Postgres" in str(failure.value)
    assert "make postgres" in str(failure.value)


def test_missing_postgres_skips_locally_with_the_install_command(no_postgres: None) -> None:
    with pytest.raises(pytest.skip.Exception) as skip:
        postgres.start_for_tests({})

    assert "apt-get install -y --no-install-recommends postgresql" in str(skip.value)
