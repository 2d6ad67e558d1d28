"""The database behind the model registry and the job store: a SQLite file or PostgreSQL.

A local SQLite file is the embedded default (no server to run). A SQLAlchemy URL
(`postgresql://user:password@host/db`) selects PostgreSQL for a team server whose database
lives elsewhere. Both speak the same SQL here (portable types, `ON CONFLICT ... DO UPDATE`,
conditional UPDATEs whose row count says who won), so the stores have one code path.

Every operation is one short transaction: request threads, the job runner's thread and a
restarted server all touch the same records. SQLite runs in WAL mode so readers (progress
polls) proceed while a writer commits.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, create_engine, event, text
from sqlalchemy.exc import ArgumentError, OperationalError

from polystyle.errors import ConfigError, PolystyleError

BUSY_TIMEOUT_S = 30.0


def is_url(target: str) -> bool:
    return "://" in target


class Database:
    """One SQLite file or one PostgreSQL database; `target` is a file path or a URL."""

    def __init__(self, target: str | Path) -> None:
        self.target = str(target)
        self.engine = _engine(self.target)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Changes made in the block are committed when it ends without an exception."""
        try:
            with self.engine.begin() as connection:
                yield Transaction(connection)
        except OperationalError as exc:
            raise _unreachable(self.describe(), exc) from exc

    def initialise(self, schema: str) -> None:
        """Create the tables in `schema` (statements separated by ';') if they are missing."""
        with self.transaction() as tx:
            for statement in filter(str.strip, schema.split(";")):
                tx.run(statement)

    def describe(self) -> str:
        """The target for messages, without a password."""
        return self.engine.url.render_as_string(hide_password=True)

    def hold_lock(self) -> Any:
        """Claim this database for this process until the returned handle is closed.

        One server per database: a second one would mark the first one's running jobs as
        interrupted at start-up and stop their processes. Both locks are released by their
        holder's death (a kernel file lock; a PostgreSQL session advisory lock), so a crashed
        server never leaves one stale.
        """
        if self.is_sqlite:
            return _hold_file_lock(Path(self.engine.url.database or ""), self.describe())
        key = int.from_bytes(hashlib.sha256(b"polystyle-server").digest()[:8], "big", signed=True)
        try:
            connection = self.engine.connect()
            connection.detach()  # its own session: closing it must end it, and the lock
            won = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
            if not won.scalar():
                connection.close()
                raise _busy(self.describe())
            connection.commit()
        except OperationalError as exc:
            raise _unreachable(self.describe(), exc) from exc
        return connection

    def close(self) -> None:
        self.engine.dispose()


class Transaction:
    """Plain SQL with named parameters (`:id`); rows come back as mappings."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def run(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        """Execute a statement; the number of rows it changed."""
        return self.connection.execute(text(sql), dict(params or {})).rowcount

    def one(self, sql: str, params: Mapping[str, Any] | None = None) -> RowMapping | None:
        return self.connection.execute(text(sql), dict(params or {})).mappings().first()

    def all(self, sql: str, params: Mapping[str, Any] | None = None) -> list[RowMapping]:
        return list(self.connection.execute(text(sql), dict(params or {})).mappings())


def _engine(target: str) -> Engine:
    if not is_url(target):
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            f"sqlite:///{path}",
            connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    scheme, rest = target.split("://", 1)
    if scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise ConfigError(
            f"--db {scheme}://...: polystyle keeps its records in a SQLite file (give a path) "
            "or in PostgreSQL (postgresql://user:password@host/database)"
        )
    try:
        # SQLAlchemy's default PostgreSQL driver is psycopg2; the extra installs psycopg 3.
        return create_engine(f"postgresql+psycopg://{rest}", pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise ConfigError(
            "--db postgresql://... needs the PostgreSQL driver: pip install 'polystyle[postgres]'"
        ) from exc
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(
            f"--db: {exc}; write it as postgresql://user:password@host:5432/database"
        ) from exc


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _hold_file_lock(database: Path, shown: str) -> Any:
    database.parent.mkdir(parents=True, exist_ok=True)
    handle = open(f"{database}.lock", "w")  # noqa: SIM115 - held for the server's lifetime
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise _busy(shown) from None
    return handle


def _busy(shown: str) -> PolystyleError:
    return PolystyleError(
        f"another polystyle server is using {shown}; stop it, or give this one its own "
        "--models folder or --db"
    )


def _unreachable(shown: str, exc: OperationalError) -> PolystyleError:
    reason = (str(exc.orig).strip().splitlines() or ["no reason given"])[0]
    return PolystyleError(
        f"database {shown} failed: {reason}; check that it is running and reachable and that "
        "this user may write to it"
    )
