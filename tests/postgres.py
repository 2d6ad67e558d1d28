"""A throwaway PostgreSQL server for tests, from the Debian `postgresql` package when present.

The cluster lives in a temporary folder, listens only on a Unix socket there, trusts local
connections and is stopped (and deleted with the folder) at the end. Tests that need it skip
with the reason when the binaries are missing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def _binary(name: str) -> Path | None:
    return next((d / name for d in BIN_DIRS if (d / name).is_file()), None)


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root; the package's `postgres` user may."""
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("PostgreSQL tests run as root need runuser to switch to the postgres user")
    return [runuser, "-u", "postgres", "--", *command]


@contextlib.contextmanager
def temporary_postgres() -> Iterator[str]:
    """A running server; yields its URL (database `postgres`, user `postgres`)."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    # Directly under /tmp: pytest's own folders are private to root, and a Unix socket path
    # must stay under ~100 characters.
    with tempfile.TemporaryDirectory(prefix="polystyle-pg-") as name:
        folder = Path(name)
        folder.chmod(0o777)  # the postgres user writes its data and socket here
        yield from _serve(initdb, pg_ctl, folder)


def _serve(initdb: Path, pg_ctl: Path, folder: Path) -> Iterator[str]:
    data = folder / "data"
    subprocess.run(
        _as_postgres(
            [str(initdb), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-k {folder} -c listen_addresses='' -c fsync=off"
    start = [str(pg_ctl), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w"]
    subprocess.run(_as_postgres([*start, "start"]), check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@/postgres?host={folder}"
    finally:
        stop = [str(pg_ctl), "-D", str(data), "-m", "immediate", "-w", "stop"]
        subprocess.run(_as_postgres(stop), check=False, capture_output=True)
