"""Every error answer is JSON `{"error": what went wrong, "fix": what to do}` (+ `field`).

A web UI shows these two lines as they are, so each names the request field at fault and a
concrete fix; FastAPI's default `{"detail": ...}` bodies are replaced here, including the ones
for unknown routes and validation failures.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from polystyle.data.images import ImageProblem
from polystyle.errors import PolystyleError

SCHEMA_HINT = "see the request schemas at /docs"


class ApiError(Exception):
    """An answer other than success, raised anywhere below a route."""

    def __init__(
        self,
        status: int,
        error: str,
        fix: str,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.fix = fix
        self.field = field
        self.headers = dict(headers or {})


def body(error: str, fix: str, field: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"error": error, "fix": fix}
    if field is not None:
        out["field"] = field
    return out


def response(exc: ApiError) -> JSONResponse:
    return JSONResponse(body(exc.error, exc.fix, exc.field), exc.status, headers=exc.headers)


@contextlib.contextmanager
def blame(field: str, fix: str) -> Iterator[None]:
    """Turn a library error raised while using `field` into a 400 that names the field."""
    try:
        yield
    except PolystyleError as exc:
        raise ApiError(400, f"{field}: {exc}", fix, field) from exc


def image_error(field: str, problem: ImageProblem) -> ApiError:
    status = 413 if problem.kind == "too-large" else 400
    return ApiError(status, f"{field}: {problem.message}", problem.fix, field)


_STATUS_FIXES = {
    401: "send the header 'Authorization: Bearer <token>'",
    404: "check the URL; the API lives under /v1 (see /docs)",
    405: "check the HTTP method against /docs",
}


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query")]
    # The body itself is located at ("body", character offset); a JSON form field by name.
    named = [part for part in first.get("loc", ()) if isinstance(part, str) and part != "body"]
    if first.get("type") == "json_invalid" and not named:
        return JSONResponse(
            body("the request body is not valid JSON", "send a JSON object; " + SCHEMA_HINT),
            400,
        )
    field = ".".join(location) or "body"
    message = first.get("msg", "invalid value")
    more = len(exc.errors()) - 1
    error = f"{field}: {message}" + (f" (and {more} more problem(s))" if more > 0 else "")
    return JSONResponse(body(error, f"correct {field}; {SCHEMA_HINT}", field), 422)


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    fix = _STATUS_FIXES.get(exc.status_code, SCHEMA_HINT)
    return JSONResponse(body(str(exc.detail), fix), exc.status_code, headers=exc.headers)


def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return response(exc)


def _polystyle_error(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(body(str(exc), "correct the request as the message says"), 400)


def _bug(_request: Request, _exc: Exception) -> JSONResponse:
    """A bug, not a user mistake: the traceback goes to the server log, the client gets JSON."""
    return JSONResponse(
        body("internal server error", "this is a bug; the server log has the traceback"), 500
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(Exception, _bug)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(PolystyleError, _polystyle_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
