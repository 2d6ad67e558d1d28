"""Interpretable directions: the top GANSpace axes rendered as rows of slider positions.

`pipe.directions` already turns the principal axes of the code space into sliders; this
shows what each slider does to one image before a user reaches for it, with the axis's
share of the code variance and the judge's probability of the image's style at every
position: whether a slider changes what the judge recognises the style by, or something the
judge ignores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from PIL import Image

from polystyle.explain.page import frame_sheet
from polystyle.metrics.style_accuracy import StyleClassifier
from polystyle.pipelines import SynthesisPipeline
from polystyle.sampling.images import to_float, to_uint8
from polystyle.sampling.seeds import z_from_seeds

SIGMAS = (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)


@dataclass(frozen=True)
class DirectionRow:
    index: int
    explained: float  # share of the code variance along this axis
    stddev: float  # one sigma, in code units
    p_style: list[float]  # the judge's probability of the style at each slider position

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "explained": round(self.explained, 6),
            "stddev": round(self.stddev, 6),
            "p_style": [round(p, 6) for p in self.p_style],
        }


@dataclass(frozen=True)
class DirectionSweep:
    style: str
    seed: int
    rows: list[DirectionRow]
    frames: torch.Tensor  # uint8 k x len(SIGMAS) x C x H x W

    def to_json(self, image: str | None) -> dict[str, Any]:
        return {
            "image": image,
            "style": self.style,
            "seed": self.seed,
            "sigmas": list(SIGMAS),
            "directions": [row.to_json() for row in self.rows],
        }


@torch.no_grad()
def direction_sweep(
    pipe: SynthesisPipeline,
    judge: StyleClassifier,
    style: str,
    seed: int = 0,
    k: int = 5,
    truncation: float = 1.0,
) -> DirectionSweep:
    """The top `k` directions (fewer if the model has fewer), each from -3 to +3 sigma."""
    directions = pipe.directions
    weights = pipe.style_weights(style)[None]
    z = z_from_seeds([seed], pipe.generator.config.z_dim)
    target = pipe.style_names.index(style)
    rows, frames = [], []
    for index in range(min(k, len(directions.components))):
        codes = torch.cat(
            [pipe.codes(weights, z, truncation, directions={index: s}) for s in SIGMAS]
        )
        images = to_uint8(pipe.generator.synthesis(codes))
        p_style = torch.softmax(judge(to_float(images)), dim=1)[:, target]
        rows.append(
            DirectionRow(
                index,
                float(directions.explained[index]),
                float(directions.stddev[index]),
                p_style.tolist(),
            )
        )
        frames.append(images)
    return DirectionSweep(style, seed, rows, torch.stack(frames))


def render_directions(sweep: DirectionSweep) -> Image.Image:
    captions = [
        [[f"{s:+g} sd", f"p {p:.2f}"] for s, p in zip(SIGMAS, row.p_style, strict=True)]
        for row in sweep.rows
    ]
    labels = [f"PC{row.index + 1}  {row.explained:.1%}" for row in sweep.rows]
    title = (
        f"style {sweep.style}, seed {sweep.seed}: each row moves the code along one principal "
        f"axis; p = the judge's probability of {sweep.style}"
    )
    return frame_sheet(sweep.frames, captions, labels, title)
