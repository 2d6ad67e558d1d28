"""Shared by the quality benchmarks: how many images a training budget in minutes buys.

Each benchmark measures its configuration's throughput at the start of its run and trains
for `minutes x throughput` images (a kimg budget), so a machine shared with other jobs slows
a benchmark down without changing how much training a model gets.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Protocol


class Steps(Protocol):
    def train_step(self) -> dict[str, float]: ...


def images_per_second(
    trainer: Steps,
    batch: int,
    clock: Callable[[], float] = time.perf_counter,
    warmup: int = 5,
    blocks: int = 3,
    steps: int = 15,
) -> float:
    """Median images per second of `clock` over timed blocks of full training steps."""
    for _ in range(warmup):
        trainer.train_step()
    rates = []
    for _ in range(blocks):
        started = clock()
        for _ in range(steps):
            trainer.train_step()
        rates.append(steps * batch / (clock() - started))
    return statistics.median(rates)
