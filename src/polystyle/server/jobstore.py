"""The job queue's records in the server database (`db.py`): what each job asked for and
where it stands.

States: queued -> running -> succeeded | failed | cancelled | interrupted. Every change is
one conditional UPDATE (`... WHERE state = 'queued'`), so a cancel and a start racing for the
same job cannot both win. Processes are the runner's business (`jobs.py`); this is storage.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from polystyle.server import db

FINAL_STATES = frozenset({"succeeded", "failed", "cancelled", "interrupted"})
REQUEUE_STATES = frozenset({"failed", "cancelled", "interrupted"})

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    params TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    queued DOUBLE PRECISION NOT NULL,
    started DOUBLE PRECISION,
    finished DOUBLE PRECISION,
    pid INTEGER,
    returncode INTEGER,
    cancel INTEGER NOT NULL DEFAULT 0,
    resume TEXT,
    error TEXT,
    result TEXT,
    model_id TEXT
);
"""


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    state: str
    params: dict[str, Any]
    created: float
    started: float | None
    finished: float | None
    pid: int | None
    returncode: int | None
    cancel: bool
    resume: dict[str, Any] | None  # None: a fresh start; else the budget flags of a resume
    error: str | None
    result: dict[str, Any] | None
    model_id: str | None

    @classmethod
    def from_row(cls, row: Any) -> Job:
        return cls(
            id=row["id"],
            kind=row["kind"],
            state=row["state"],
            params=json.loads(row["params"]),
            created=row["created"],
            started=row["started"],
            finished=row["finished"],
            pid=row["pid"],
            returncode=row["returncode"],
            cancel=bool(row["cancel"]),
            resume=None if row["resume"] is None else json.loads(row["resume"]),
            error=row["error"],
            result=None if row["result"] is None else json.loads(row["result"]),
            model_id=row["model_id"],
        )


class JobStore:
    def __init__(self, database: db.Database) -> None:
        self.database = database
        database.initialise(SCHEMA)

    def add(self, kind: str, params: dict[str, Any]) -> Job:
        job_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
        now = time.time()
        with self.database.transaction() as tx:
            tx.run(
                "INSERT INTO jobs (id, kind, state, params, created, queued) "
                "VALUES (:id, :kind, 'queued', :params, :now, :now)",
                {"id": job_id, "kind": kind, "params": json.dumps(params), "now": now},
            )
        return self.require(job_id)

    def get(self, job_id: str) -> Job | None:
        with self.database.transaction() as tx:
            row = tx.one("SELECT * FROM jobs WHERE id = :id", {"id": job_id})
        return None if row is None else Job.from_row(row)

    def require(self, job_id: str) -> Job:
        job = self.get(job_id)
        if job is None:
            raise KeyError(job_id)
        return job

    def list(self, limit: int = 100) -> list[Job]:
        with self.database.transaction() as tx:
            rows = tx.all(
                "SELECT * FROM jobs ORDER BY created DESC, id DESC LIMIT :limit", {"limit": limit}
            )
        return [Job.from_row(row) for row in rows]

    def with_state(self, state: str) -> list[Job]:
        with self.database.transaction() as tx:
            rows = tx.all(
                "SELECT * FROM jobs WHERE state = :state ORDER BY queued", {"state": state}
            )
        return [Job.from_row(row) for row in rows]

    def claim_next(self) -> Job | None:
        """The oldest queued job, switched to running (only one caller can win a job)."""
        for job in self.with_state("queued"):
            with self.database.transaction() as tx:
                claimed = tx.run(
                    "UPDATE jobs SET state = 'running', started = :now, pid = NULL, "
                    "returncode = NULL WHERE id = :id AND state = 'queued'",
                    {"now": time.time(), "id": job.id},
                )
            if claimed:
                return self.require(job.id)
        return None

    def set_pid(self, job_id: str, pid: int) -> None:
        with self.database.transaction() as tx:
            tx.run("UPDATE jobs SET pid = :pid WHERE id = :id", {"pid": pid, "id": job_id})

    def finish(
        self,
        job_id: str,
        state: str,
        returncode: int | None = None,
        error: str | None = None,
        result: dict[str, Any] | None = None,
        model_id: str | None = None,
    ) -> None:
        with self.database.transaction() as tx:
            tx.run(
                "UPDATE jobs SET state = :state, finished = :now, returncode = :returncode, "
                "error = :error, result = :result, model_id = COALESCE(:model_id, model_id) "
                "WHERE id = :id",
                {
                    "state": state,
                    "now": time.time(),
                    "returncode": returncode,
                    "error": error,
                    "result": None if result is None else json.dumps(result),
                    "model_id": model_id,
                    "id": job_id,
                },
            )

    def request_cancel(self, job_id: str) -> Job:
        """A queued job is cancelled at once; a running one is flagged for the runner."""
        with self.database.transaction() as tx:
            tx.run(
                "UPDATE jobs SET state = 'cancelled', cancel = 1, finished = :now "
                "WHERE id = :id AND state = 'queued'",
                {"now": time.time(), "id": job_id},
            )
            tx.run(
                "UPDATE jobs SET cancel = 1 WHERE id = :id AND state = 'running'", {"id": job_id}
            )
        return self.require(job_id)

    def requeue(self, job_id: str, resume: dict[str, Any] | None) -> bool:
        """Queue a finished job again; False when it is not in a state that allows it."""
        states = {f"state{i}": state for i, state in enumerate(sorted(REQUEUE_STATES))}
        with self.database.transaction() as tx:
            return bool(
                tx.run(
                    "UPDATE jobs SET state = 'queued', queued = :now, started = NULL, "
                    "finished = NULL, pid = NULL, returncode = NULL, cancel = 0, error = NULL, "
                    f"resume = :resume WHERE id = :id AND state IN (:{', :'.join(states)})",
                    {
                        "now": time.time(),
                        "resume": None if resume is None else json.dumps(resume),
                        "id": job_id,
                        **states,
                    },
                )
            )
