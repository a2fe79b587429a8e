"""A throwaway PostgreSQL cluster for the tests (``initdb`` + ``pg_ctl`` in a temp folder).

The server listens on a unix socket inside its private temp folder only (no TCP port, so
nothing else on the machine can reach it and no port can clash), with durability switched off
for speed; :meth:`Cluster.stop` (the session fixture's teardown) stops it and deletes the
folder. As root the server runs as the ``postgres`` user (postgres refuses root). Missing
binaries, driver or user make :func:`start` skip with the reason.

The server is this process's own child (``postgres`` in the foreground, not daemonised by
``pg_ctl``) with a parent-death signal (:func:`forecasting.processes.die_with_parent_preexec`,
SIGQUIT: immediate shutdown), so a test run killed with SIGKILL, which runs no teardown, does
not leave it running; only its temp folder is left behind then.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from forecasting.processes import die_with_parent_preexec

USER = "ennakointi"
PORT = 5432  # names the socket file only; the folder is private to this cluster
START_TIMEOUT_S = 60.0


def _bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found and Path(found).resolve().with_name("initdb").exists():
        return Path(found).resolve().parent
    dirs = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(Path(d).parent.name or 0)
    )
    for d in reversed(dirs):
        if (Path(d) / "initdb").exists() and (Path(d) / "pg_ctl").exists():
            return Path(d)
    return None


class Cluster:
    """A running cluster: :meth:`new_database` gives each test an empty database.

    ``owner`` is the (uid, gid) the server runs as when we are root, else None.
    """

    def __init__(self, bindir: Path, root: Path, owner: tuple[int, int] | None):
        self.bindir, self.root, self.owner = bindir, root, owner
        self.data, self.log = root / "data", root / "server.log"
        self._names = itertools.count(1)
        self._server: subprocess.Popen[bytes] | None = None

    def _run(self, tool: str, *args: str) -> None:
        as_user = ["runuser", "-u", "postgres", "--"] if self.owner else []
        cmd = [*as_user, str(self.bindir / tool), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed: {done.stdout}{done.stderr}{self._log()}")

    def _log(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def start(self) -> None:
        """initdb, then the server as our child, dying with us; returns once it accepts."""
        self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8",
                  "--no-locale", "--no-sync")  # fmt: skip
        options = ["-c", "listen_addresses=", "-k", str(self.root), "-p", str(PORT),
                   "-c", "fsync=off", "-c", "synchronous_commit=off",
                   "-c", "full_page_writes=off"]  # fmt: skip
        uid, gid = self.owner or (-1, -1)
        with self.log.open("ab") as log:
            # user/group are switched before preexec_fn runs: a later credential change
            # would clear the parent-death signal
            self._server = subprocess.Popen(
                [str(self.bindir / "postgres"), "-D", str(self.data), *options],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                user=None if uid < 0 else uid, group=None if gid < 0 else gid,
                extra_groups=None if uid < 0 else [],
                preexec_fn=die_with_parent_preexec(signal.SIGQUIT),
            )  # fmt: skip
        self._wait_ready()

    def _wait_ready(self) -> None:
        import psycopg

        assert self._server is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self._server.poll() is not None:
                raise RuntimeError(f"postgres exited with {self._server.returncode}: {self._log()}")
            try:
                psycopg.connect(host=str(self.root), port=PORT, user=USER, dbname="postgres",
                                connect_timeout=5).close()  # fmt: skip
                return
            except psycopg.OperationalError as err:
                if time.monotonic() > deadline:
                    msg = f"postgres not ready in {START_TIMEOUT_S} s: {self._log()}"
                    raise RuntimeError(msg) from err
                time.sleep(0.1)

    def stop(self) -> None:
        try:
            if self._server is not None and self._server.poll() is None:
                self._server.send_signal(signal.SIGQUIT)  # immediate shutdown
                try:
                    self._server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self._server.kill()
                    self._server.wait(timeout=30)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def new_database(self) -> str:
        """The SQLAlchemy URL of a new, empty database (psycopg 3 over the unix socket)."""
        import psycopg

        name = f"t{next(self._names)}"
        with psycopg.connect(
            host=str(self.root), port=PORT, user=USER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql+psycopg://{USER}@/{name}?host={self.root}&port={PORT}"


def start() -> Cluster:
    """Start a cluster (the caller stops it), or skip the test with the reason."""
    pytest.importorskip("psycopg", reason="the psycopg driver is not installed (extra `postgres`)")
    bindir = _bindir()
    if bindir is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql"
        )
    owner: tuple[int, int] | None = None
    root = Path(tempfile.mkdtemp(prefix="ennakointi-pg-"))
    if os.geteuid() == 0:  # postgres refuses to run as root
        import pwd

        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root)
            pytest.skip("running as root and there is no `postgres` user to run the server as")
        os.chown(root, pw.pw_uid, pw.pw_gid)
        owner = (pw.pw_uid, pw.pw_gid)
    cluster = Cluster(bindir, root, owner)
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    return cluster
