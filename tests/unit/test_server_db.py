"""The server database on both backends: a SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from polystyle.errors import ConfigError, PolystyleError
from polystyle.server.db import Database
from polystyle.server.jobstore import JobStore
from tests.postgres import temporary_postgres


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path_factory.mktemp("sqlite") / "polystyle.sqlite")
        return
    with temporary_postgres() as url:
        yield url


@pytest.fixture
def jobs(target: str) -> Iterator[JobStore]:
    database = Database(target)
    store = JobStore(database)
    yield store
    with database.transaction() as tx:
        tx.run("DELETE FROM jobs")
    database.close()


def test_a_job_goes_through_its_states_and_only_one_claim_wins(jobs: JobStore) -> None:
    before = time.time()
    job = jobs.add("train", {"dataset": "fonts-cjk", "kimg": 1.5})
    assert job.state == "queued" and job.params == {"dataset": "fonts-cjk", "kimg": 1.5}
    # Timestamps keep sub-second precision (a 4-byte REAL would round them to minutes).
    assert abs(job.created - before) < 1.0
    claimed = jobs.claim_next()
    assert claimed is not None and claimed.id == job.id and claimed.state == "running"
    assert jobs.claim_next() is None
    jobs.set_pid(job.id, 4242)
    assert jobs.require(job.id).pid == 4242
    assert jobs.requeue(job.id, None) is False  # running: not requeueable
    jobs.finish(job.id, "failed", returncode=1, error="out of memory")
    failed = jobs.require(job.id)
    assert (failed.state, failed.returncode, failed.error) == ("failed", 1, "out of memory")
    assert jobs.requeue(job.id, {"kimg": 3.0}) is True
    again = jobs.require(job.id)
    assert again.state == "queued" and again.resume == {"kimg": 3.0} and again.error is None
    jobs.claim_next()
    jobs.finish(job.id, "succeeded", returncode=0, result={"fid": 12.5}, model_id="m1")
    jobs.finish(job.id, "succeeded", returncode=0)  # a later finish keeps the model id
    done = jobs.require(job.id)
    assert (done.result, done.model_id) == (None, "m1")
    assert jobs.requeue(job.id, None) is False


def test_cancel_is_immediate_when_queued_and_flagged_when_running(jobs: JobStore) -> None:
    queued = jobs.add("evaluate", {})
    running = jobs.add("train", {})
    assert jobs.claim_next().id == queued.id
    # `queued` is now running; `running` is the one still queued.
    assert jobs.request_cancel(running.id).state == "cancelled"
    flagged = jobs.request_cancel(queued.id)
    assert flagged.state == "running" and flagged.cancel
    assert [j.id for j in jobs.list()] == [running.id, queued.id]
    assert [j.id for j in jobs.with_state("cancelled")] == [running.id]


def test_one_server_per_database(target: str) -> None:
    first, second = Database(target), Database(target)
    lock = first.hold_lock()
    with pytest.raises(PolystyleError, match="another polystyle server is using"):
        second.hold_lock()
    lock.close()
    second.hold_lock().close()
    first.close()
    second.close()


def test_an_unknown_kind_of_database_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"SQLite file .* or in PostgreSQL"):
        Database("mysql://host/name")


def test_an_unreachable_postgres_names_the_server_but_not_the_password() -> None:
    database = Database("postgresql://polystyle:s3cret@127.0.0.1:1/records?connect_timeout=2")
    with pytest.raises(
        PolystyleError, match=r"127\.0\.0\.1:1/records.* failed: connection failed"
    ) as caught:
        database.initialise("CREATE TABLE t (x INTEGER)")
    assert "s3cret" not in str(caught.value)


def test_a_malformed_postgres_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="postgresql://user:password@host:5432/database"):
        Database("postgresql://u:pw@host:notaport/x")
