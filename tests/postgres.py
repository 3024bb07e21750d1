"""A throwaway PostgreSQL server for tests: `initdb` into a fresh temp dir, `postgres` listening on
127.0.0.1 only (trust auth, unix socket inside the temp dir), stopped by its pid, temp dir removed.

Postgres refuses to run as root, so when we are root every server program runs as the `postgres` OS
user (Debian's package creates it); otherwise as ourselves. The server is started directly (not via
pg_ctl), so the pid we hold is the postmaster's own.

Only plain functions and classes live here; the pytest fixtures are in tests/conftest.py.
Run `python -m tests.postgres` to time one start.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SERVER_PROGRAMS = ("initdb", "postgres")
DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"
SERVER_USER = "postgres"
SUPERUSER = "postgres"
SESSION_DB = "test"
INSTALL_HINT = ("install Debian's `postgresql` package: `make postgres` "
                "(= apt-get install -y --no-install-recommends postgresql)")
# Durability off: a test server's data is thrown away, so nothing needs to survive a crash.
SPEED_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "autovacuum": "off",
    "shared_buffers": "32MB",
    "max_connections": "50",
}
# A tmpfs makes initdb ~2.5x faster than the disk here (it writes ~40 MB of small files).
RAM_DISK = Path("/dev/shm")
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server programs are not installed (or cannot be run) on this machine."""


def find_bin_dir(debian_glob: str = DEBIAN_BIN_GLOB, path: str | None = None) -> Path | None:
    """The folder holding initdb and postgres: Debian's /usr/lib/postgresql/<newest>/bin first, then
    the folder that initdb on PATH (or `path`) resolves to, symlinks followed (e.g. /usr/local/bin
    links into Debian's folder). None when there is none."""
    def has_programs(folder: Path) -> bool:
        return all(os.access(folder / name, os.X_OK) for name in SERVER_PROGRAMS)

    def major_version(folder: str) -> int:
        version = Path(folder).parent.name
        return int(version) if version.isdigit() else -1

    for folder in sorted(glob.glob(debian_glob), key=major_version, reverse=True):
        if has_programs(Path(folder)):
            return Path(folder)
    on_path = shutil.which("initdb", path=path)
    if on_path and has_programs(Path(os.path.realpath(on_path)).parent):
        return Path(os.path.realpath(on_path)).parent
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the caller retries on a race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def temp_parent() -> str | None:
    """Where the server's temp dir goes: the RAM disk when there is a writable one, else the default."""
    return str(RAM_DISK) if RAM_DISK.is_dir() and os.access(RAM_DISK, os.W_OK | os.X_OK) else None


def _server_account() -> pwd.struct_passwd | None:
    """The OS account the server programs run as: `postgres` when we are root, else None (ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise PostgresUnavailable(f"running as root but there is no `{SERVER_USER}` OS user to run "
                                  f"Postgres as; {INSTALL_HINT}") from None


def _as_account(account: pwd.struct_passwd | None) -> dict:
    """Popen arguments that run the child as `account` (setuid/setgid before exec, so the pid stays
    the program's own, unlike a `runuser` wrapper that forks)."""
    if account is None:
        return {}
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


@dataclass(frozen=True)
class PostgresDatabase:
    """One database on a test server, reachable over TCP on 127.0.0.1 as the trusted superuser."""

    name: str
    host: str
    port: int
    user: str = SUPERUSER

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.name}"


@dataclass
class PostgresServer:
    """A running throwaway server. `stop()` ends it by its pid and removes its temp dir."""

    root: Path
    port: int
    process: subprocess.Popen
    host: str = "127.0.0.1"
    stopped: bool = field(default=False, init=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def database(self, name: str) -> PostgresDatabase:
        return PostgresDatabase(name=name, host=self.host, port=self.port)

    def url(self, name: str = SESSION_DB) -> str:
        return self.database(name).url

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no server log)"

    def create_database(self, name: str | None = None, template: str = "template0") -> PostgresDatabase:
        """CREATE DATABASE (a unique `t_<hex>` name unless given) copied file by file from `template`
        (~15 ms from the empty template0 here; the default WAL_LOG strategy takes ~3x as long)."""
        import psycopg
        from psycopg import sql

        name = name or f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(sql.Identifier(name),
                                                                         sql.Identifier(template)))
        return self.database(name)

    def drop_database(self, name: str) -> None:
        """DROP DATABASE, ending any connection a test left open to it."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Fast shutdown (SIGINT to the postmaster, which ends its backends), SIGKILL to its whole
        process group after `timeout` s; then remove the temp dir. Safe to call twice."""
        if self.stopped:
            return
        self.stopped = True
        try:
            if self.process.poll() is None:
                os.kill(self.pid, signal.SIGINT)
                try:
                    self.process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    os.killpg(self.pid, signal.SIGKILL)
                    self.process.wait(timeout=timeout)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _run(args: list[str], account: pwd.struct_passwd | None, cwd: Path) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, **_as_account(account))
    if done.returncode != 0:
        raise RuntimeError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr[-2000:]}")


def _write_hba(data_dir: Path) -> None:
    """Trust only the unix socket (in our temp dir) and 127.0.0.1; no ::1, no other network."""
    (data_dir / "pg_hba.conf").write_text(
        "local all all trust\n"
        "host  all all 127.0.0.1/32 trust\n")


def _ready(server: PostgresServer) -> bool:
    """postmaster.pid's 8th line says `ready` once the server accepts connections."""
    try:
        lines = (server.data_dir / "postmaster.pid").read_text().splitlines()
    except OSError:
        return False
    return len(lines) >= 8 and lines[7].strip() == "ready"


def _wait_ready(server: PostgresServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"postgres exited ({server.process.returncode}): {server.log_tail()}")
        if _ready(server):
            return
        time.sleep(0.01)
    raise RuntimeError(f"postgres not ready after {timeout:.0f} s: {server.log_tail()}")


def start_postgres(bin_dir: Path | None = None, create_db: str | None = SESSION_DB,
                   timeout: float = START_TIMEOUT_S, attempts: int = 3) -> PostgresServer:
    """initdb into a new temp dir and start a server on a free 127.0.0.1 port; wait until it accepts
    connections and (unless `create_db` is None) create that database. Raises PostgresUnavailable
    when the server programs are missing."""
    bin_dir = bin_dir or find_bin_dir()
    if bin_dir is None:
        raise PostgresUnavailable(f"PostgreSQL server programs (initdb, postgres) not found; {INSTALL_HINT}")
    account = _server_account()
    root = Path(tempfile.mkdtemp(prefix="pgtest-", dir=temp_parent()))
    try:
        if account is not None:
            os.chown(root, account.pw_uid, account.pw_gid)
        data_dir = root / "data"
        _run([str(bin_dir / "initdb"), "-D", str(data_dir), "-U", SUPERUSER, "--auth=trust",
              "--encoding=UTF8", "--locale=C", "--no-sync"], account, cwd=root)
        _write_hba(data_dir)
        for attempt in range(1, attempts + 1):
            server = _spawn(bin_dir, root, free_port(), account)
            try:
                _wait_ready(server, timeout)
                break
            except RuntimeError:
                # Another process took the port between free_port() and the bind: try a new one.
                port_taken = server.process.poll() is not None and "could not bind" in server.log_tail()
                if not port_taken or attempt == attempts:
                    server.stop()
                    raise
        try:
            if create_db:
                server.create_database(create_db)
        except BaseException:
            server.stop()
            raise
        return server
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise


def _spawn(bin_dir: Path, root: Path, port: int, account: pwd.struct_passwd | None) -> PostgresServer:
    settings = {**SPEED_SETTINGS, "listen_addresses": "127.0.0.1", "port": str(port),
                "unix_socket_directories": str(root)}
    args = [str(bin_dir / "postgres"), "-D", str(root / "data")]
    for name, value in settings.items():
        args += ["-c", f"{name}={value}"]
    log_fd = os.open(root / "server.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        # Own session: a Ctrl-C at the terminal reaches pytest (which stops us), not the server.
        process = subprocess.Popen(args, cwd=root, stdin=subprocess.DEVNULL, stdout=log_fd, stderr=log_fd,
                                   start_new_session=True, **_as_account(account))
    finally:
        os.close(log_fd)
    return PostgresServer(root=root, port=port, process=process)


def start_for_tests(env: Mapping[str, str] = os.environ) -> PostgresServer:
    """start_postgres() for a test session. When Postgres is not installed: a test failure under
    CI=true (CI must never skip a Postgres test), else a skip that says how to install it."""
    try:
        return start_postgres()
    except PostgresUnavailable as exc:
        if env.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and no Postgres: {exc}", pytrace=False)
        pytest.skip(str(exc))


if __name__ == "__main__":
    started = time.perf_counter()
    with start_postgres() as demo:
        print(f"started in {time.perf_counter() - started:.2f} s: {demo.url()} (pid {demo.pid})")
