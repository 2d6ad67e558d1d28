"""Strength sweep: one seed walked from style A to style B by blend weight, read by the judge.

A blend is how users ask for "a bit more B"; the sweep shows whether the weight behaves like
a dial (the judge's belief moves steadily from A to B) or like a switch (nothing, then a
jump), and at which weight the judge first prefers B.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from PIL import Image

from polystyle.explain.page import frame_sheet
from polystyle.metrics.style_accuracy import StyleClassifier
from polystyle.pipelines import SynthesisPipeline
from polystyle.sampling.images import to_float

STEPS = 10  # t = 0, 0.1, ..., 1


@dataclass(frozen=True)
class StrengthSweep:
    style_a: str
    style_b: str
    seed: int
    t: list[float]
    p_a: list[float]  # the judge's probability of A for each frame
    p_b: list[float]
    frames: torch.Tensor  # uint8 (STEPS + 1) x C x H x W

    @property
    def crossover(self) -> float | None:
        """The first t at which the judge rates B at least as likely as A."""
        return next((t for t, a, b in zip(self.t, self.p_a, self.p_b, strict=True) if b >= a), None)

    def to_json(self, image: str | None) -> dict[str, Any]:
        return {
            "skipped": None,
            "image": image,
            "style_a": self.style_a,
            "style_b": self.style_b,
            "seed": self.seed,
            "t": self.t,
            "p_a": [round(p, 6) for p in self.p_a],
            "p_b": [round(p, 6) for p in self.p_b],
            "crossover": self.crossover,
        }


def skipped_json(reason: str, seed: int) -> dict[str, Any]:
    """The same keys as `StrengthSweep.to_json`, empty, for models the sweep cannot run on."""
    return {
        "skipped": reason,
        "image": None,
        "style_a": None,
        "style_b": None,
        "seed": seed,
        "t": [],
        "p_a": [],
        "p_b": [],
        "crossover": None,
    }


@torch.no_grad()
def strength_sweep(
    pipe: SynthesisPipeline,
    judge: StyleClassifier,
    style_a: str,
    style_b: str,
    seed: int = 0,
    truncation: float = 1.0,
) -> StrengthSweep:
    t = [step / STEPS for step in range(STEPS + 1)]
    blends = [{style_a: 1 - v, style_b: v} for v in t]
    frames = pipe(blends, seeds=[seed] * len(t), truncation=truncation).tensor
    probabilities = torch.softmax(judge(to_float(frames)), dim=1)
    a, b = pipe.style_names.index(style_a), pipe.style_names.index(style_b)
    return StrengthSweep(
        style_a,
        style_b,
        seed,
        t,
        probabilities[:, a].tolist(),
        probabilities[:, b].tolist(),
        frames,
    )


def render_strength(sweep: StrengthSweep) -> Image.Image:
    captions = [
        [f"t={t:.1f}", f"A {pa:.2f}", f"B {pb:.2f}"]
        for t, pa, pb in zip(sweep.t, sweep.p_a, sweep.p_b, strict=True)
    ]
    title = (
        f"seed {sweep.seed}: (1-t)·A + t·B with A = {sweep.style_a}, B = {sweep.style_b}; "
        "under each frame the judge's probability of A and of B"
    )
    return frame_sheet(sweep.frames[None], [captions], title=title)
