"""The throwaway Postgres server of tests/postgres.py, checked against the kernel's and the server's
own view: loopback only, not root, its pid is the postmaster's, databases are isolated, stop ends it."""

from __future__ import annotations

import os
import pwd
import socket
from pathlib import Path

import psycopg
import pytest

from tests import postgres
from tests.postgres import PostgresDatabase, PostgresServer

LISTEN = "0A"  # TCP state code in /proc/net/tcp*


def _listening(port: int) -> list[tuple[str, str]]:
    """(table, hex local address) of every listening TCP socket on `port`, from /proc/net."""
    found = []
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if fields[3] == LISTEN and int(port_hex, 16) == port:
                found.append((table, address))
    return found


def _proc_field(pid: int, name: str) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {name} for pid {pid}")


def _children(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if _proc_field(int(entry.name), "PPid") == str(pid):
                    children.append(int(entry.name))
            except (OSError, AssertionError):
                continue  # exited while we looked
    return children


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_accepts_a_psycopg_connection_on_127_0_0_1(postgres_server: PostgresServer, postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        address, port, database, user = conn.execute(
            "SELECT host(inet_server_addr()), inet_server_port(), current_database(), current_user").fetchone()

    assert (address, port) == ("127.0.0.1", postgres_server.port)
    assert (database, user) == ("test", "postgres")


def test_listens_on_loopback_only(postgres_server: PostgresServer, postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        listen = conn.execute("SHOW listen_addresses").fetchone()[0]
        socket_dirs = conn.execute("SHOW unix_socket_directories").fetchone()[0]

    assert listen == "127.0.0.1"
    assert socket_dirs == str(postgres_server.root)
    # The kernel's view: one IPv4 listener, on 127.0.0.1 (0100007F little-endian), none on IPv6.
    assert _listening(postgres_server.port) == [("tcp", "0100007F")]


def test_runs_as_the_postgres_user_and_holds_the_postmaster_pid(postgres_server: PostgresServer,
                                                                postgres_url: str) -> None:
    expected_uid = pwd.getpwnam("postgres").pw_uid if os.geteuid() == 0 else os.geteuid()
    with psycopg.connect(postgres_url) as conn:
        backend_pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        postmaster_pid = _proc_field(backend_pid, "PPid")

    real, effective, *_ = _proc_field(postgres_server.pid, "Uid").split()
    assert int(real) == int(effective) == expected_uid != 0
    assert Path(f"/proc/{postgres_server.pid}/exe").resolve().name == "postgres"
    # The pid we will signal is the postmaster itself, not a runuser/su wrapper.
    assert int(postmaster_pid) == postgres_server.pid


def test_fresh_databases_are_empty_and_isolated(postgres_server: PostgresServer,
                                                pg_database: PostgresDatabase) -> None:
    other = postgres_server.create_database()
    try:
        with psycopg.connect(pg_database.url, autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
            conn.execute("CREATE TABLE charges (amount integer)")
            conn.execute("INSERT INTO charges VALUES (1000)")
        with psycopg.connect(other.url) as conn:
            assert conn.execute("SELECT to_regclass('public.charges')").fetchone() == (None,)
        with psycopg.connect(pg_database.url) as conn:
            assert conn.execute("SELECT sum(amount) FROM charges").fetchone() == (1000,)
    finally:
        postgres_server.drop_database(other.name)
    assert pg_database.name != other.name
    assert pg_database.name != "test"


def test_drop_database_ends_open_connections(postgres_server: PostgresServer, postgres_url: str) -> None:
    doomed = postgres_server.create_database()
    left_open = psycopg.connect(doomed.url)  # like a test that forgot to close its pool

    postgres_server.drop_database(doomed.name)

    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s",
                            (doomed.name,)).fetchone() == (0,)
    with pytest.raises(psycopg.OperationalError):
        left_open.execute("SELECT 1")
    left_open.close()


def test_stop_ends_the_server_and_its_children_and_removes_the_temp_dir() -> None:
    server = postgres.start_postgres(create_db=None)
    try:
        with psycopg.connect(server.url("postgres")) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        children = _children(server.pid)
        assert children, "a running postmaster has helper processes (checkpointer, walwriter...)"
    finally:
        server.stop()

    assert not _alive(server.pid)
    assert [pid for pid in children if _alive(pid)] == []
    assert not server.root.exists()
    assert _listening(server.port) == []
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(server.url("postgres"), connect_timeout=2)


def test_start_retries_when_the_port_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        ports = iter([taken, postgres.free_port()])
        monkeypatch.setattr(postgres, "free_port", lambda: next(ports))

        with postgres.start_postgres(create_db=None) as server:
            with psycopg.connect(server.url("postgres")) as conn:
                assert conn.execute("SELECT inet_server_port()").fetchone() == (server.port,)
            assert server.port != taken
