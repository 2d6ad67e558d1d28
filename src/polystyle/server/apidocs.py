"""The interactive OpenAPI pages, `/docs` (Swagger UI) and `/redoc`, served without internet.

FastAPI's own pages load Swagger UI, ReDoc and Google Fonts from CDNs, so on a studio network
without internet they render blank. The `fastapi-offline` wheel (MIT) ships both front ends
(Swagger UI 5, which reads OpenAPI 3.1 as FastAPI writes it); its files are mounted under
`/docs/assets` and the pages point at them.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/docs/assets"


def install(app: FastAPI) -> None:
    """Serves `/docs` and `/redoc` from local assets; build the app with `docs_url=None,
    redoc_url=None` so FastAPI's CDN pages do not shadow these."""
    assets = files("fastapi_offline") / "static"
    app.mount(ASSETS_URL, StaticFiles(directory=str(assets)), name="api-docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    title = f"{app.title} API"

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=title,
            redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
