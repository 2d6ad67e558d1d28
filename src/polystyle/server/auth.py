"""Bearer-token check for endpoints that change state or spend a lot (jobs, uploads, explain).

With no token configured the server only listens on loopback (`settings.check_exposure`), so
every local caller is trusted; with `POLYSTYLE_API_TOKEN` set, those endpoints need
`Authorization: Bearer <token>`. Reading and rendering endpoints (models, generate,
interpolate, transfer) stay open: they keep nothing a request sends.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from polystyle.server.problems import ApiError


def require_token(request: Request) -> None:
    expected = request.app.state.settings.token
    if not expected:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.encode()
    ):
        raise ApiError(
            401,
            "this endpoint needs the server's API token",
            "send the header 'Authorization: Bearer <token>' with the token the server was "
            "started with (POLYSTYLE_API_TOKEN)",
            headers={"WWW-Authenticate": "Bearer"},
        )
