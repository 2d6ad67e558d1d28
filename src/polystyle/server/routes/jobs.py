"""`/v1/jobs` (train and evaluate in the background) and `/v1/uploads` (datasets as zips).

A job request is checked as far as it can be before it is queued (dataset, preset, every
`set` override, metric names, the model id to register under), so that a mistake is a 400
now rather than a failed job minutes later. Progress comes three ways: a poll of
`GET /v1/jobs/{id}`, a server-sent event stream, and the latest sample grid as a PNG.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Request, UploadFile
from fastapi.responses import FileResponse, PlainTextResponse, StreamingResponse

from polystyle.config import preset_names
from polystyle.registry import METRICS
from polystyle.server.auth import require_token
from polystyle.server.datasets import dataset_argument
from polystyle.server.jobs import has_checkpoint, job_dir, run_dir
from polystyle.server.jobstore import FINAL_STATES, REQUEUE_STATES, Job
from polystyle.server.names import check_file_name, check_id
from polystyle.server.problems import ApiError, blame
from polystyle.server.progress import latest_sample, new_events, run_progress
from polystyle.server.responses import SafeJSONResponse, finite
from polystyle.server.schemas import (
    EvaluateJobRequest,
    JobRequest,
    ResumeRequest,
    TrainJobRequest,
)
from polystyle.server.state import ServerState, require_kind, server
from polystyle.server.uploads import extract_styles, upload_summary
from polystyle.training.run import build_config, check_components

router = APIRouter(prefix="/v1", tags=["jobs"])
EVENT_POLL_S = 0.5
KEEPALIVE_S = 15.0
LOG_TAIL_BYTES = 32 * 1024


def job_json(state: ServerState, job: Job) -> dict[str, Any]:
    run = run_dir(state.settings, job.id)
    sample = latest_sample(run) if job.kind == "train" else None
    links = {"self": f"/v1/jobs/{job.id}", "events": f"/v1/jobs/{job.id}/events"}
    links["log"] = f"/v1/jobs/{job.id}/log"
    if sample:
        links["sample"] = f"/v1/jobs/{job.id}/samples/{sample}"
    if job.model_id:
        links["model"] = f"/v1/models/{job.model_id}"
    progress = run_progress(run) if job.kind == "train" else None
    if progress is not None and job.state == "succeeded":
        progress.update(fraction=1.0, eta_s=0.0)  # the last metrics row precedes the last step
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state,
        "params": job.params,
        "created": job.created,
        "started": job.started,
        "finished": job.finished,
        "progress": progress,
        "error": job.error,
        "returncode": job.returncode,
        "cancel_requested": job.cancel,
        "resumed": job.resume is not None,
        "resumable": job.state in REQUEUE_STATES,
        "result": job.result,
        "model": job.model_id,
        "links": links,
    }


def _job(state: ServerState, job_id: str) -> Job:
    check_id(job_id, "job")
    job = state.jobs.get(job_id)
    if job is None:
        raise ApiError(404, f"no job {job_id!r}", "pick an id from GET /v1/jobs", "job")
    return job


def _train_params(state: ServerState, request: TrainJobRequest) -> dict[str, Any]:
    if request.dataset is None and request.upload is None:
        raise ApiError(
            400, "no dataset given", "give dataset (a built-in name) or upload", "dataset"
        )
    dataset_argument(state, request.dataset, request.upload)
    presets = ["auto", *preset_names()]
    if request.preset not in presets:
        raise ApiError(
            400,
            f"preset {request.preset!r} is unknown",
            f"use one of: {', '.join(presets)}",
            "preset",
        )
    fix = "write section.key=value with keys from `polystyle train --help`, e.g. train.batch=16"
    with blame("set", fix):
        config = build_config(
            request.preset,
            request.overrides,
            state.settings.device,
            request.seed,
            request.minutes,
            request.kimg,
        )
        check_components(config)
    if request.name is not None:
        check_id(request.name, "name")
        if (state.settings.models_dir / request.name).exists():
            raise ApiError(
                409, f"a model named {request.name!r} exists", "choose another name", "name"
            )
    return request.model_dump(by_alias=True, exclude_none=True, exclude={"kind"})


def _evaluate_params(state: ServerState, request: EvaluateJobRequest) -> dict[str, Any]:
    require_kind(state, request.model, "synthesis")  # the metrics measure generated images
    dataset_argument(state, request.dataset, request.upload, request.model)
    if request.metrics is not None:
        names = [m.strip() for m in request.metrics.split(",") if m.strip()]
        unknown = [m for m in names if m not in METRICS]
        if unknown or not names:
            raise ApiError(
                400,
                f"metrics: unknown {', '.join(unknown) or '(none given)'}",
                f"choose from {', '.join(METRICS.keys())}",
                "metrics",
            )
    return request.model_dump(exclude_none=True, exclude={"kind"})


@router.post(
    "/jobs",
    summary="Queue a training or evaluation job",
    status_code=201,
    dependencies=[Depends(require_token)],
    response_class=SafeJSONResponse,
)
def create_job(
    request: Request, body: Annotated[JobRequest, Body(discriminator="kind")]
) -> dict[str, Any]:
    state = server(request)
    if isinstance(body, TrainJobRequest):
        params = _train_params(state, body)
    else:
        params = _evaluate_params(state, body)
    job = state.jobs.add(body.kind, params)
    state.runner.wake()
    return job_json(state, job)


@router.get("/jobs", summary="Jobs, newest first", response_class=SafeJSONResponse)
def list_jobs(request: Request) -> dict[str, Any]:
    state = server(request)
    return {"jobs": [job_json(state, job) for job in state.jobs.list()]}


@router.get(
    "/jobs/{job_id}", summary="A job: state, progress, ETA, sample", response_class=SafeJSONResponse
)
def get_job(job_id: str, request: Request) -> dict[str, Any]:
    state = server(request)
    return job_json(state, _job(state, job_id))


@router.delete(
    "/jobs/{job_id}",
    summary="Cancel a job (a running training checkpoints first)",
    status_code=202,
    dependencies=[Depends(require_token)],
    response_class=SafeJSONResponse,
)
def cancel_job(job_id: str, request: Request) -> dict[str, Any]:
    state = server(request)
    job = _job(state, job_id)
    if job.state in FINAL_STATES:
        raise ApiError(409, f"job {job_id} is already {job.state}", "nothing to cancel", "job")
    job = state.jobs.request_cancel(job_id)
    state.runner.wake()
    return job_json(state, job)


@router.post(
    "/jobs/{job_id}/resume",
    summary="Queue a failed, cancelled or interrupted job again (training resumes its run)",
    status_code=202,
    dependencies=[Depends(require_token)],
    response_class=SafeJSONResponse,
)
def resume_job(
    job_id: str, request: Request, body: Annotated[ResumeRequest | None, Body()] = None
) -> dict[str, Any]:
    state = server(request)
    job = _job(state, job_id)
    if job.state not in REQUEUE_STATES:
        raise ApiError(
            409,
            f"job {job_id} is {job.state}",
            "only failed, cancelled or interrupted jobs can be resumed",
            "job",
        )
    resume = None
    if job.kind == "train":
        if has_checkpoint(state.settings, job_id):
            resume = (body or ResumeRequest()).model_dump(exclude_none=True)
        else:  # nothing saved yet: start the run again from scratch
            shutil.rmtree(run_dir(state.settings, job_id), ignore_errors=True)
    if not state.jobs.requeue(job_id, resume):
        raise ApiError(409, f"job {job_id} changed state meanwhile", "read it again", "job")
    state.runner.wake()
    return job_json(state, state.jobs.require(job_id))


@router.get("/jobs/{job_id}/samples/{file}", summary="A sample grid of a training job")
def job_sample(job_id: str, file: str, request: Request) -> FileResponse:
    state = server(request)
    _job(state, job_id)
    path = run_dir(state.settings, job_id) / "samples" / check_file_name(file)
    if not path.is_file():
        raise ApiError(404, f"no sample {file!r}", "use the sample link of the job", "file")
    return FileResponse(path, media_type="image/png")


@router.get(
    "/jobs/{job_id}/log", summary="The end of the job's output", response_class=PlainTextResponse
)
def job_log(job_id: str, request: Request) -> PlainTextResponse:
    state = server(request)
    _job(state, job_id)
    parts = []
    for name in ("stdout.log", "stderr.log"):
        path = job_dir(state.settings, job_id) / name
        if path.is_file():
            with path.open("rb") as handle:
                handle.seek(max(0, path.stat().st_size - LOG_TAIL_BYTES))
                parts.append(f"== {name}\n" + handle.read().decode(errors="replace"))
    return PlainTextResponse("\n".join(parts))


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(finite(data), ensure_ascii=False)}\n\n"


@router.get(
    "/jobs/{job_id}/events",
    summary="Server-sent events: 'job' snapshots on change, 'run' trainer events, 'end'",
    response_class=StreamingResponse,
)
async def job_events(job_id: str, request: Request) -> StreamingResponse:
    state = server(request)
    _job(state, job_id)
    run = run_dir(state.settings, job_id)

    async def stream() -> AsyncIterator[str]:
        last, offset, quiet = "", 0, 0.0
        while True:
            job = await asyncio.to_thread(state.jobs.require, job_id)
            snapshot = _sse("job", await asyncio.to_thread(job_json, state, job))
            if snapshot != last:
                last, quiet = snapshot, 0.0
                yield snapshot
            events, offset = await asyncio.to_thread(new_events, run, offset)
            for event in events:
                yield _sse("run", event)
            if job.state in FINAL_STATES:
                yield _sse("end", {"state": job.state})
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(EVENT_POLL_S)
            quiet += EVENT_POLL_S
            if quiet >= KEEPALIVE_S:
                quiet = 0.0
                yield ": keepalive\n\n"

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.post(
    "/uploads",
    summary="Upload a dataset: a zip with one folder of images per style",
    status_code=201,
    dependencies=[Depends(require_token)],
)
def upload(request: Request, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    return extract_styles(file.file, server(request).settings)


@router.get("/uploads/{upload_id}", summary="What an upload holds")
def get_upload(upload_id: str, request: Request) -> dict[str, Any]:
    check_id(upload_id, "upload")
    summary = upload_summary(server(request).settings, upload_id)
    if summary is None:
        raise ApiError(404, f"no upload {upload_id!r}", "POST a zip to /v1/uploads", "upload")
    return summary
