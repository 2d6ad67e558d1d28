"""What the routes share: settings, registry, job store and runner, pipelines, the gate.

One `ServerState` per application (`app.state.server`), built by `create_app`; routes reach it
through `server(request)` and look models up through `model_folder`, which is where an id from
a URL is checked before it can touch the file system.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request

from polystyle.models.folder import MODEL_JSON
from polystyle.pipelines import SynthesisPipeline, TranslationPipeline
from polystyle.server import db
from polystyle.server.batching import RenderBatcher
from polystyle.server.jobs import JobRunner
from polystyle.server.jobstore import JobStore
from polystyle.server.limits import GenerationGate
from polystyle.server.names import check_id
from polystyle.server.pipelines import Pipeline, PipelineCache
from polystyle.server.problems import ApiError
from polystyle.server.registry import ModelRegistry
from polystyle.server.settings import ServerSettings


@dataclass
class ServerState:
    lock: Any  # held for the server's lifetime: one server per database
    settings: ServerSettings
    registry: ModelRegistry
    jobs: JobStore
    runner: JobRunner
    pipelines: PipelineCache
    gate: GenerationGate
    batcher: RenderBatcher

    @classmethod
    def build(cls, settings: ServerSettings) -> ServerState:
        database = db.Database(settings.database)
        lock = database.hold_lock()
        registry = ModelRegistry(database, settings.models_dir)
        jobs = JobStore(database)
        return cls(
            lock=lock,
            settings=settings,
            registry=registry,
            jobs=jobs,
            runner=JobRunner(jobs, registry, settings),
            pipelines=PipelineCache(settings.pipeline_cache, settings.device),
            gate=GenerationGate(
                settings.generation_slots, settings.request_timeout_s, settings.render_queue
            ),
            batcher=RenderBatcher(settings.max_batch),
        )


def server(request: Request) -> ServerState:
    return request.app.state.server


def model_folder(state: ServerState, model_id: str) -> Path:
    check_id(model_id, "model")
    folder = state.registry.folder(model_id)
    if folder is None or not (folder / MODEL_JSON).is_file():
        raise ApiError(
            404,
            f"no model {model_id!r}",
            "pick an id from GET /v1/models; after copying a folder into the models "
            "directory, POST /v1/models/rescan",
            "model",
        )
    return folder


# What each kind of model does, and where it is used: the answer to a model of the wrong kind.
_KINDS = {
    "synthesis": ("draws new images from noise", "POST /v1/generate, /v1/interpolate, /v1/explain"),
    "translation": ("restyles an image or text it is given", "POST /v1/transfer"),
}


def require_kind(state: ServerState, model_id: str, kind: str) -> Path:
    """The model's folder, after checking the model is of `kind` (a 400 naming the endpoint
    that fits it otherwise: a translator cannot draw from noise, a generator cannot restyle)."""
    folder = model_folder(state, model_id)
    model = state.registry.get(model_id) or {}
    found = model.get("kind", "synthesis")
    if found != kind:
        does, endpoints = _KINDS[found]
        raise ApiError(
            400,
            f"model {model_id!r} is a {found} model ({does}); this endpoint needs a {kind} model",
            f"use it with {endpoints}, or pick a model of kind {kind!r} from GET /v1/models",
            "model",
        )
    return folder


def _loaded(state: ServerState, model_id: str, cls: type[Pipeline], kind: str) -> Pipeline:
    folder = require_kind(state, model_id, kind)
    return state.pipelines.get(folder, (folder / MODEL_JSON).stat().st_mtime, cls)


def pipeline(state: ServerState, model_id: str) -> SynthesisPipeline:
    return _loaded(state, model_id, SynthesisPipeline, "synthesis")


def translation_pipeline(state: ServerState, model_id: str) -> TranslationPipeline:
    return _loaded(state, model_id, TranslationPipeline, "translation")
