"""The render batcher: requests waiting for a slot are drawn together, each answered alone."""

from __future__ import annotations

import asyncio
import threading

import pytest

pytest.importorskip("fastapi", reason="the HTTP API needs fastapi")

from polystyle.server.batching import RenderBatcher
from polystyle.server.limits import GenerationGate


def test_waiting_requests_are_drawn_in_one_call_and_answered_one_by_one() -> None:
    gate = GenerationGate(slots=1, timeout_s=5, queue=16)
    batcher = RenderBatcher(max_batch=3)
    release = threading.Event()
    calls: list[list[int]] = []

    def draw(payloads: list[int]) -> list[int | Exception]:
        calls.append(payloads)
        return [ValueError(f"bad {p}") if p < 0 else 10 * p for p in payloads]

    async def ask(key: str, payload: int) -> int:
        ticket = batcher.enqueue(key, payload)
        try:
            return await gate.run(batcher.serve, ticket, draw)
        finally:
            batcher.withdraw(ticket)

    async def scenario() -> list[int | BaseException]:
        blocker = asyncio.create_task(gate.run(release.wait, 5))  # holds the only slot
        await asyncio.sleep(0.05)
        asks = [ask("a", 1), ask("a", -2), ask("a", 3), ask("a", 4), ask("b", 5)]
        tasks = [asyncio.create_task(a) for a in asks]
        await asyncio.sleep(0.05)
        release.set()
        await blocker
        return await asyncio.gather(*tasks, return_exceptions=True)

    try:
        answers = asyncio.run(scenario())
    finally:
        release.set()
        gate.close()
    assert answers[0] == 10 and answers[2] == 30 and answers[3] == 40 and answers[4] == 50
    assert isinstance(answers[1], ValueError) and str(answers[1]) == "bad -2"
    # Three of key "a" together (max_batch), the fourth on its own turn; "b" never mixes in.
    assert calls == [[1, -2, 3], [4], [5]]
    assert batcher.waiting == {}


def test_a_withdrawn_request_is_not_drawn_and_a_failed_draw_reaches_every_request() -> None:
    batcher = RenderBatcher(max_batch=8)
    gone, kept, other = batcher.enqueue("k", 1), batcher.enqueue("k", 2), batcher.enqueue("k", 3)
    batcher.withdraw(gone)
    assert gone.answer.cancelled()

    def broken(payloads: list[int]) -> list[int | Exception]:
        assert payloads == [2, 3]
        raise RuntimeError("generator failed")

    with pytest.raises(RuntimeError, match="generator failed"):
        batcher.serve(kept, broken)
    with pytest.raises(RuntimeError, match="generator failed"):  # drawn with `kept`
        batcher.serve(other, broken)
    assert batcher.waiting == {}
