"""`create_app(settings)`: the FastAPI application behind `polystyle serve`.

Routes live under `/v1` (one router per resource in `routes/`); the interactive OpenAPI pages
are `/docs` and `/redoc` (served offline, see `apidocs`). The browser UI, when its folder exists
in the package, is served at `/`. Start-up indexes the models folder and starts the job runner
(marking jobs a previous server left running as interrupted); shutdown stops running jobs,
which checkpoint first.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from polystyle import __version__
from polystyle.server import apidocs, problems
from polystyle.server.limits import BodyLimit
from polystyle.server.problems import ApiError
from polystyle.server.responses import SafeJSONResponse
from polystyle.server.routes import explain, images, jobs, models, transfer
from polystyle.server.settings import TOKEN_ENV, ServerSettings
from polystyle.server.state import ServerState, server

DESCRIPTION = f"""
Generate, interpolate and explain with trained synthesis models; restyle images and text with
translation models (`POST /v1/transfer`); train and evaluate models as background jobs.

* **Errors**: every 4xx/5xx answer is JSON `{{"error": ..., "fix": ...}}`, plus `field` when
  one request field is at fault.
* **Token**: when the server runs with `{TOKEN_ENV}` set, jobs, uploads, explain and rescan
  need `Authorization: Bearer <token>`; reading and rendering stay open.
* **Limits**: request bodies and uploads are size-capped (413), renders run a few at a time
  (429 with `Retry-After` when busy) under a time limit (503).
* **Model kinds**: `GET /v1/models` gives each model's `kind`; a synthesis model at
  `/v1/transfer`, or a translation model at generate/interpolate/explain, is a 400.
"""


def create_app(settings: ServerSettings) -> FastAPI:
    state = ServerState.build(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(state.registry.scan)
        state.runner.start()
        try:
            yield
        finally:
            await asyncio.to_thread(state.runner.stop)
            state.gate.close()

    app = FastAPI(
        title="polystyle",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        default_response_class=SafeJSONResponse,
        docs_url=None,
        redoc_url=None,
    )
    app.state.server = state
    app.state.settings = settings
    problems.install(app)
    apidocs.install(app)
    app.add_middleware(BodyLimit, limit_for=lambda path: _body_limit(settings, path))
    for module in (models, images, transfer, explain, jobs):
        app.include_router(module.router)

    @app.get("/v1/health", tags=["server"], summary="Liveness, version, limits, queue counts")
    def health(request: Request) -> dict[str, Any]:
        jobs_now = server(request).jobs
        return {
            "status": "ok",
            "version": __version__,
            "token_required": bool(settings.token),
            "limits": {
                "upload_bytes": settings.max_upload_bytes,
                "body_bytes": settings.max_body_bytes,
                "pixels": settings.max_pixels,
                "images": settings.max_images,
                "frames": settings.max_frames,
            },
            "running": len(jobs_now.with_state("running")),
            "queued": len(jobs_now.with_state("queued")),
        }

    @app.api_route(
        "/v1/{rest:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
        include_in_schema=False,
    )
    def unknown(rest: str, request: Request) -> None:
        """Keeps every /v1 path away from the web UI's static files: JSON 404, no redirect."""
        raise ApiError(
            404, f"no endpoint {request.method} /v1/{rest}", "see the endpoints at /docs"
        )

    if settings.webui_dir.is_dir():
        app.mount("/", StaticFiles(directory=settings.webui_dir, html=True), name="webui")
    else:

        @app.get("/", include_in_schema=False)
        def index() -> RedirectResponse:
            return RedirectResponse("/docs")

    return app


def _body_limit(settings: ServerSettings, path: str) -> int:
    return settings.max_upload_bytes if path.startswith("/v1/uploads") else settings.max_body_bytes
