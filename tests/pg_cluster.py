"""A throwaway PostgreSQL cluster for the tests (``initdb`` + ``pg_ctl`` in a temp folder).

The server listens on a unix socket inside its private temp folder only (no TCP port, so
nothing else on the machine can reach it and no port can clash), with durability switched off
for speed; :meth:`Cluster.stop` (the session fixture's teardown) stops it and deletes the
folder. As root the server runs as the ``postgres`` user (postgres refuses root). Missing
binaries, driver or user make :func:`start` skip with the reason.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

USER = "ennakointi"
PORT = 5432  # names the socket file only; the folder is private to this cluster


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
    """A running cluster: :meth:`new_database` gives each test an empty database."""

    def __init__(self, bindir: Path, root: Path, as_user: list[str]):
        self.bindir, self.root, self.as_user = bindir, root, as_user
        self.data, self.log = root / "data", root / "server.log"
        self._names = itertools.count(1)

    def _run(self, tool: str, *args: str) -> None:
        cmd = [*self.as_user, str(self.bindir / tool), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{tool} failed: {done.stdout}{done.stderr}{log}")

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8",
                  "--no-locale", "--no-sync")  # fmt: skip
        options = (
            f"-c listen_addresses='' -k {self.root} -p {PORT} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "-t", "60", "start")  # fmt: skip

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
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
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="ennakointi-pg-"))
    if os.geteuid() == 0:  # postgres refuses to run as root
        import pwd

        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root)
            pytest.skip("running as root and there is no `postgres` user to run the server as")
        os.chown(root, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    cluster = Cluster(bindir, root, as_user)
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    return cluster
