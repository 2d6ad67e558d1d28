"""SQLite access shared by the model registry and the job store.

One short-lived connection per operation: request threads, the job runner's thread and a
restarted server all touch the same file, and sqlite3 connections must not cross threads.
WAL mode lets readers (progress polls) proceed while a writer commits.
"""

from __future__ import annotations

import contextlib
import fcntl
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from polystyle.errors import PolystyleError

BUSY_TIMEOUT_S = 30.0


@contextlib.contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection whose changes are committed when the block ends without an exception."""
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
    connection.row_factory = sqlite3.Row
    try:
        with connection:
            yield connection
    finally:
        connection.close()


def initialise(path: Path, schema: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(schema)


def hold_lock(database: Path) -> IO[str]:
    """Claim `database` for this process until the returned file is closed (or it exits).

    One server per database: a second one would mark the first one's running jobs as
    interrupted at start-up and stop their processes. The lock is the kernel's, so it dies
    with its holder and a crashed server never leaves it stale.
    """
    database.parent.mkdir(parents=True, exist_ok=True)
    handle = open(f"{database}.lock", "w")  # noqa: SIM115 - held for the server's lifetime
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise PolystyleError(
            f"another polystyle server is using {database}; stop it, or give this one its "
            "own --models folder or --db file"
        ) from None
    return handle
