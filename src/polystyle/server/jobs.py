"""Running jobs: each job is our own CLI in its own process, at most `max_jobs` at once.

A job runs `polystyle train|resume|evaluate ... --json` through `polystyle.server.worker`, so
the server shares no memory, GIL or crash with training, and a job does exactly what the same
command does in a terminal. Progress is read from the run folder the trainer writes anyway
(`progress.py`); cancelling sends SIGTERM, which the trainer answers by checkpointing and
stopping. The queue itself is `jobstore.JobStore`; jobs start in order of submission. A job is
interrupted when the server stopped (or died) while it ran, or its process was stopped by
someone else; failed, cancelled and interrupted jobs can be queued again (`requeue`): a train
job then continues its run with `polystyle resume`, an evaluate job starts over.

All process handling happens on the runner's one thread. That is also what ties the processes
to the server's life: the kernel's parent-death signal (see `worker.py`) fires when the thread
that started a process ends.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from polystyle.models.folder import read_model_json
from polystyle.server.jobstore import Job, JobStore
from polystyle.server.names import slug
from polystyle.server.progress import last_json_line
from polystyle.server.registry import ModelRegistry
from polystyle.server.settings import ServerSettings
from polystyle.server.uploads import upload_data
from polystyle.server.worker import PARENT_ENV

LOG = logging.getLogger(__name__)
RUN_DIR = "run"
STOP_GRACE_S = 60.0


@dataclass
class _Process:
    popen: subprocess.Popen[bytes]
    logs: list[IO[bytes]]
    signalled: bool = False


def job_dir(settings: ServerSettings, job_id: str) -> Path:
    return settings.jobs_dir / job_id


def run_dir(settings: ServerSettings, job_id: str) -> Path:
    return job_dir(settings, job_id) / RUN_DIR


def has_checkpoint(settings: ServerSettings, job_id: str) -> bool:
    return (run_dir(settings, job_id) / "run.json").is_file() and any(
        (run_dir(settings, job_id) / "checkpoints").glob("step-*")
    )


class JobRunner:
    def __init__(
        self,
        store: JobStore,
        registry: ModelRegistry,
        settings: ServerSettings,
        poll_s: float = 0.5,
    ) -> None:
        self.store = store
        self.registry = registry
        self.settings = settings
        self.poll_s = poll_s
        self._processes: dict[str, _Process] = {}
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="job-runner", daemon=True)

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> None:
        self.recover()
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Stop every running job (they checkpoint) and mark it interrupted; then return."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(STOP_GRACE_S + 10)

    def recover(self) -> None:
        """Jobs a previous server left running: stop any stray process, mark interrupted."""
        for job in self.store.with_state("running"):
            if job.pid is not None:
                _stop_stray(job.pid, job_dir(self.settings, job.id))
            self.store.finish(
                job.id,
                "cancelled" if job.cancel else "interrupted",
                error=None if job.cancel else "the server stopped while this job ran",
            )

    # -- the runner thread -------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._tick()
            except Exception:  # a bug in one tick must not stop the queue for good
                LOG.exception("job runner tick failed")
            self._wake.wait(self.poll_s)
            self._wake.clear()
        self._stop_all()

    def _tick(self) -> None:
        for job_id, process in list(self._processes.items()):
            if process.popen.poll() is not None:
                del self._processes[job_id]
                self._finish(job_id, process)
            elif not process.signalled and self.store.require(job_id).cancel:
                process.popen.send_signal(signal.SIGTERM)
                process.signalled = True
        while len(self._processes) < self.settings.max_jobs and not self._stopping.is_set():
            job = self.store.claim_next()
            if job is None:
                break
            self._launch(job)

    def _stop_all(self) -> None:
        for process in self._processes.values():
            with contextlib.suppress(ProcessLookupError):
                process.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for job_id, process in self._processes.items():
            try:
                process.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait()
            self._finish(job_id, process)
        self._processes.clear()

    # -- one job -----------------------------------------------------------------------------

    def command(self, job: Job) -> list[str]:
        """The CLI arguments of a job (after `polystyle`)."""
        params = job.params
        if job.kind == "train" and job.resume is not None:
            args = ["resume", str(run_dir(self.settings, job.id)), "--json"]
            return args + _budget_flags(job.resume)
        if job.kind == "train":
            args = [
                "train",
                self._data_argument(params),
                "--preset",
                params["preset"],
                "--out",
                str(job_dir(self.settings, job.id)),
                "--name",
                RUN_DIR,
                "--device",
                self.settings.device,
                "--json",
                *_budget_flags(params),
            ]
            if params.get("seed") is not None:
                args += ["--seed", str(params["seed"])]
            return args + [arg for item in params.get("set", []) for arg in ("--set", item)]
        model = self.registry.folder(params["model"])
        if model is None:
            raise LookupError(f"model {params['model']!r} is no longer registered")
        args = [
            "evaluate",
            str(model),
            "--data",
            self._data_argument(params),
            "--n",
            str(params["n"]),
            "--device",
            self.settings.device,
            "--json",
        ]
        return args + (["--metrics", params["metrics"]] if params.get("metrics") else [])

    def _data_argument(self, params: dict[str, Any]) -> str:
        """A built-in name, an upload's folder, or (evaluate) the model's training data."""
        if params.get("upload"):
            return str(upload_data(self.settings, params["upload"]))
        if params.get("dataset"):
            return params["dataset"]
        return training_data(self.registry, params["model"])

    def _launch(self, job: Job) -> None:
        folder = job_dir(self.settings, job.id)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            args = self.command(job)
        except LookupError as exc:
            self.store.finish(job.id, "failed", error=str(exc))
            return
        logs = [(folder / "stdout.log").open("ab"), (folder / "stderr.log").open("ab")]
        env = {**os.environ, PARENT_ENV: str(os.getpid())}
        try:
            popen = subprocess.Popen(
                [sys.executable, "-m", "polystyle.server.worker", *args],
                cwd=folder,
                stdin=subprocess.DEVNULL,
                stdout=logs[0],
                stderr=logs[1],
                env=env,
                start_new_session=True,  # a terminal's Ctrl-C reaches the server, not its jobs
            )
        except OSError as exc:
            for log in logs:
                log.close()
            self.store.finish(job.id, "failed", error=f"cannot start the job process: {exc}")
            return
        self.store.set_pid(job.id, popen.pid)
        self._processes[job.id] = _Process(popen, logs)
        LOG.info("job %s started: polystyle %s", job.id, " ".join(args))

    def _finish(self, job_id: str, process: _Process) -> None:
        for log in process.logs:
            log.close()
        job = self.store.require(job_id)
        code = process.popen.returncode
        folder = job_dir(self.settings, job_id)
        result = last_json_line(folder / "stdout.log") if code == 0 else None
        reason = str((result or {}).get("reason", ""))
        if job.cancel:
            self.store.finish(job_id, "cancelled", code)
        elif code == 0 and not reason.startswith("interrupted"):
            self._succeed(job, code, result or {})
        elif self._stopping.is_set() or code in (0, -signal.SIGTERM):
            self.store.finish(job_id, "interrupted", code, "the job was stopped before its end")
        else:
            self.store.finish(job_id, "failed", code, _error_line(folder / "stderr.log", code))

    def _succeed(self, job: Job, code: int, result: dict[str, Any]) -> None:
        summary = {k: result[k] for k in ("reason", "step", "kimg") if k in result}
        try:
            if job.kind == "train":
                preferred = job.params.get("name") or slug(
                    f"{job.params.get('dataset') or 'upload'}-{job.id}"
                )
                model_id = self.registry.register_copy(Path(result["model"]), preferred, job.id)
            else:
                model_id = job.params["model"]
                self.registry.record(model_id)
        except (KeyError, OSError, ValueError) as exc:
            self.store.finish(job.id, "failed", code, f"could not register the model: {exc}")
            return
        self.store.finish(job.id, "succeeded", code, result=summary, model_id=model_id)


def training_data(registry: ModelRegistry, model_id: str) -> str:
    """The dataset a registered model records, checked to still exist."""
    folder = registry.folder(model_id)
    recorded = None if folder is None else read_model_json(folder).get("training", {}).get("data")
    if recorded is None or not Path(recorded).is_dir():
        raise LookupError(
            f"model {model_id!r} does not record training data that still exists; "
            "name a dataset or upload"
        )
    return recorded


def _budget_flags(values: dict[str, Any]) -> list[str]:
    flags = []
    for key in ("kimg", "minutes"):
        if values.get(key) is not None:
            flags += [f"--{key}", str(values[key])]
    return flags


def _error_line(stderr: Path, code: int) -> str:
    """The CLI's one-line error, else the last line (a traceback's exception)."""
    lines = []
    if stderr.is_file():
        with stderr.open("rb") as handle:
            handle.seek(max(0, stderr.stat().st_size - 8192))
            lines = [ln.strip() for ln in handle.read().decode(errors="replace").splitlines()]
    lines = [ln for ln in lines if ln]
    errors = [ln for ln in lines if ln.startswith("polystyle: error:")]
    if errors:
        return errors[-1].removeprefix("polystyle: error:").strip()
    killed = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
    return f"{lines[-1]} ({killed})" if lines else killed


def _stop_stray(pid: int, folder: Path) -> None:
    """Stop a job process a dead server left behind, if `pid` is still that process.

    Identity is checked through /proc (a job process works in its job folder) so that a
    recycled pid is never signalled; without /proc nothing is sent.
    """

    def alive() -> bool:
        try:
            return Path(os.readlink(f"/proc/{pid}/cwd")) == folder.resolve()
        except OSError:
            return False

    if not alive():
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    while alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
