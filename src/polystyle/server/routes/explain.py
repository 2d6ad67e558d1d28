"""`/v1/explain` and the explanation files of a model, served from its `explain/` folder.

Explaining trains a style judge and renders four analyses, so it needs the token when one is
set, runs through the generation gate, and replaces the model's previous page in one step
(written to a temporary folder first) so that a reader never sees half of two pages.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse

from polystyle.config import DataConfig
from polystyle.data import StyleFolder
from polystyle.data.resolve import resolve_root
from polystyle.explain import ExplainSettings, explain_model, pick_styles
from polystyle.fileio import atomic_directory
from polystyle.server.auth import require_token
from polystyle.server.datasets import dataset_argument
from polystyle.server.names import check_file_name
from polystyle.server.problems import ApiError, blame
from polystyle.server.responses import SafeJSONResponse
from polystyle.server.schemas import ExplainRequest
from polystyle.server.state import ServerState, model_folder, pipeline, server

router = APIRouter(tags=["explain"])
EXPLAIN_DIR = "explain"
REPORT = "explain.json"


def explain_links(model_id: str, folder: Path) -> dict[str, str]:
    """Links to a model's explanation, when it has one."""
    if not (folder / EXPLAIN_DIR / REPORT).is_file():
        return {}
    return {
        "explain": f"/v1/models/{model_id}/explain",
        "explain_page": f"/v1/models/{model_id}/explain/index.html",
    }


def _answer(model_id: str, folder: Path, report: dict[str, Any]) -> dict[str, Any]:
    base = f"/v1/models/{model_id}/explain"
    images = sorted(p.name for p in (folder / EXPLAIN_DIR).glob("*.png"))
    return {
        "model": model_id,
        "report": report,
        "page": f"{base}/index.html",
        "images": {Path(name).stem: f"{base}/{name}" for name in images},
    }


def _explain(state: ServerState, request: ExplainRequest) -> dict[str, Any]:
    folder = model_folder(state, request.model)
    pipe = pipeline(state, request.model)
    image = pipe.meta["image"]
    data = dataset_argument(state, request.dataset, request.upload, request.model)
    with blame("dataset", "give the dataset the model was trained on"):
        root = resolve_root(data, image["size"])
        styles = StyleFolder.open(root, DataConfig(size=image["size"], channels=image["channels"]))
    with blame("style_a", f"use two of the model's styles: {', '.join(pipe.style_names)}"):
        pick_styles(pipe.style_names, request.style_a, request.style_b)
    limits = request.settings.model_dump() if request.settings else {}
    settings = ExplainSettings(truncation=request.truncation, **limits)
    with (
        blame("dataset", "give the dataset the model was trained on"),
        atomic_directory(folder / EXPLAIN_DIR, replace=True) as tmp,
    ):
        report = explain_model(
            pipe, styles, tmp, request.seed, request.style_a, request.style_b, settings
        )
    return _answer(request.model, folder, report)


@router.post(
    "/v1/explain",
    summary="Explain a model: style map, strength sweep, layer attribution, directions",
    dependencies=[Depends(require_token)],
    response_class=SafeJSONResponse,
)
async def explain(body: ExplainRequest, request: Request) -> dict[str, Any]:
    state = server(request)
    return await state.gate.run(_explain, state, body)


@router.get(
    "/v1/models/{model_id}/explain",
    summary="The model's last explanation (report and image URLs)",
    response_class=SafeJSONResponse,
)
def explanation(model_id: str, request: Request) -> dict[str, Any]:
    folder = model_folder(server(request), model_id)
    path = folder / EXPLAIN_DIR / REPORT
    if not path.is_file():
        raise ApiError(404, f"model {model_id!r} has not been explained", "POST /v1/explain")
    return _answer(model_id, folder, json.loads(path.read_text(encoding="utf-8")))


@router.get("/v1/models/{model_id}/explain/{file}", summary="A file of the explanation page")
def explanation_file(model_id: str, file: str, request: Request) -> FileResponse:
    folder = model_folder(server(request), model_id) / EXPLAIN_DIR
    path = folder / check_file_name(file)
    if not path.is_file():
        raise ApiError(404, f"no file {file!r} in the explanation", "use a name from its listing")
    return FileResponse(path)
