"""Bounds on what one request may cost: body size, concurrent generation, wall time.

`BodyLimit` refuses a body over the limit before the application sees it (by its
Content-Length) or as soon as a streamed body crosses it. `GenerationGate` runs model work in
a few worker threads with a bounded wait queue: when slots and queue are full the answer is 429
with Retry-After instead of an ever-growing queue; a request that runs past the timeout is
answered 503 while its thread finishes, keeping its slot until then, so the machine never does
more than `slots` renders.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from polystyle.server.problems import ApiError, body

T = TypeVar("T")
RETRY_AFTER_S = 2
# A refused body up to this many times the limit is read (and dropped) before the 413, so a
# browser shows the JSON answer; a larger one is refused at once and the connection closed.
DRAIN_FACTOR = 4


class BodyTooLarge(HTTPException):
    """Raised from `receive`: an HTTPException so FastAPI's body parsing passes it through."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over the limit of {limit:,} bytes")


class BodyLimit:
    """ASGI middleware: at most `limit_for(path)` bytes of request body."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            if int(declared) <= DRAIN_FACTOR * limit:
                await _drain(receive)
            await _send_413(send, limit)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited, send)


async def _drain(receive: Receive) -> None:
    """Read and drop a refused body: closing a socket with unread input resets the
    connection, and the client would see a network error instead of the 413."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _send_413(send: Send, limit: int) -> None:
    content = json.dumps(
        body(
            f"the request body is over the limit of {limit:,} bytes",
            "send less: the limits are in GET /v1/health (uploads: serve --max-upload-mb)",
        )
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


class GenerationGate:
    """At most `slots` renders run at once; up to `queue` more wait their turn (a burst of
    clients is served, not refused); beyond that, 429. A request that waits and runs past
    the timeout is answered 503; if it had not started, its render is dropped."""

    def __init__(self, slots: int, timeout_s: float, queue: int = 32) -> None:
        self.capacity = slots + queue
        self.admitted = 0
        self.lock = threading.Lock()
        self.timeout_s = timeout_s
        self.executor = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="render")

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        with self.lock:
            if self.admitted >= self.capacity:
                raise ApiError(
                    429,
                    "the server is busy with other renders",
                    f"retry in {RETRY_AFTER_S} s",
                    headers={"Retry-After": str(RETRY_AFTER_S)},
                )
            self.admitted += 1
        job = self.executor.submit(work, *args)
        job.add_done_callback(self._release)  # on completion, failure or cancellation
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(job)), self.timeout_s)
        except TimeoutError as exc:
            job.cancel()  # drops a render still waiting; a running one finishes
            raise ApiError(
                503,
                f"the render took longer than {self.timeout_s:g} s",
                "ask for fewer seeds, frames or samples, or ask the operator to raise --timeout",
                headers={"Retry-After": str(RETRY_AFTER_S)},
            ) from exc

    def _release(self, _job: object) -> None:
        with self.lock:
            self.admitted -= 1

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
