"""`/v1/models`: what the registry holds, and a rescan after folders were copied in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from polystyle.server.auth import require_token
from polystyle.server.names import check_id
from polystyle.server.problems import ApiError
from polystyle.server.routes.explain import explain_links
from polystyle.server.state import ServerState, model_folder, server

router = APIRouter(prefix="/v1/models", tags=["models"])


def public(state: ServerState, model: dict[str, Any]) -> dict[str, Any]:
    folder = model_folder(state, model["id"])
    return {
        **model,
        "links": {"self": f"/v1/models/{model['id']}", **explain_links(model["id"], folder)},
    }


@router.get("", summary="List the registered models")
def list_models(request: Request) -> dict[str, Any]:
    state = server(request)
    return {"models": [public(state, model) for model in state.registry.list()]}


@router.post(
    "/rescan",
    summary="Index model folders added to or removed from the models directory",
    dependencies=[Depends(require_token)],
)
def rescan(request: Request) -> dict[str, Any]:
    return {"models": server(request).registry.scan()}


@router.get("/{model_id}", summary="One model: styles, image size, layers, metrics")
def get_model(model_id: str, request: Request) -> dict[str, Any]:
    state = server(request)
    check_id(model_id, "model")
    model = state.registry.get(model_id)
    if model is None:
        raise ApiError(404, f"no model {model_id!r}", "pick an id from GET /v1/models", "model")
    return public(state, model)
