"""Concurrent renders of one kind drawn in one generator call.

On a CPU a generator's cost per image falls steeply with the batch (fixed per-call costs and
thin per-layer work dominate one 64 px image), and a server under load holds many one-image
requests at once. Each request still takes its own place in the `GenerationGate`, so the
slot bound, the 429 queue bound and the per-request timeout apply exactly as before; the
first of them to reach a slot draws every request of the same key waiting by then, and the
others find their answer ready when their turn comes. Nothing waits on purpose for company:
an idle server answers a lone request as fast as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

R = TypeVar("R")


@dataclass(eq=False)
class Ticket(Generic[R]):
    """One waiting request: its batching key, its payload, and where its answer lands."""

    key: Hashable
    payload: Any
    answer: Future[R] = field(default_factory=Future)


class RenderBatcher:
    """Tickets wait by key; `serve` draws a ticket with up to `max_batch - 1` of its peers."""

    def __init__(self, max_batch: int) -> None:
        self.max_batch = max_batch
        self.lock = threading.Lock()
        self.waiting: dict[Hashable, list[Ticket]] = {}

    def enqueue(self, key: Hashable, payload: Any) -> Ticket:
        ticket: Ticket = Ticket(key, payload)
        with self.lock:
            self.waiting.setdefault(key, []).append(ticket)
        return ticket

    def withdraw(self, ticket: Ticket) -> None:
        """A request that gave up (timeout, 429): it is not drawn later. One already being
        drawn finishes with its batch."""
        with self.lock:
            self._take(ticket.key, [ticket])
        ticket.answer.cancel()

    def serve(self, ticket: Ticket[R], draw: Callable[[list[Any]], list[R | Exception]]) -> R:
        """`ticket`'s answer. Run in a render slot: if no other slot took the ticket, draw it
        with the peers waiting now; `draw` maps payloads to answers (or an exception each, so
        one bad request fails alone)."""
        with self.lock:
            queue = self.waiting.get(ticket.key, [])
            if ticket in queue:
                peers = [t for t in queue if t is not ticket][: self.max_batch - 1]
                batch = self._take(ticket.key, [ticket, *peers])
            else:
                batch = []
        batch = [t for t in batch if t.answer.set_running_or_notify_cancel()]
        if batch:
            try:
                answers = draw([t.payload for t in batch])
            except Exception as exc:  # the batch failed as a whole: every request hears why
                answers = [exc] * len(batch)
            for waiting, answer in zip(batch, answers, strict=True):
                if isinstance(answer, Exception):
                    waiting.answer.set_exception(answer)
                else:
                    waiting.answer.set_result(answer)
        return ticket.answer.result()

    def _take(self, key: Hashable, tickets: list[Ticket]) -> list[Ticket]:
        """Remove `tickets` from the waiting list of `key` (caller holds the lock)."""
        queue = self.waiting.get(key, [])
        taken = [t for t in tickets if t in queue]
        remaining = [t for t in queue if t not in taken]
        if remaining:
            self.waiting[key] = remaining
        else:
            self.waiting.pop(key, None)
        return taken
