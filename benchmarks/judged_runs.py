"""Shared by the recipe benchmarks: train cpu-64 on fonts-cjk, judging the EMA generator as
it goes (style accuracy per style and within-style diversity), so that recipes are compared
at equal images seen."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import torch

from polystyle.config.run import RunConfig
from polystyle.data import StyleFolder
from polystyle.metrics.diversity import mean_pairwise_distance
from polystyle.metrics.style_accuracy import JudgedClassifier, per_style_accuracy
from polystyle.models import one_hot
from polystyle.sampling.images import to_float, to_uint8
from polystyle.training.trainer import Trainer

PER_STYLE = 64
QUIET = [
    "train.log_every=100000",
    "train.sample_every=100000",
    "train.checkpoint_every=100000",
    "train.checkpoint_minutes=100000",
]


class Judged(NamedTuple):
    kimg: float
    step: int
    truncation: float  # toward each style's mean code; 1 = none
    mean: float  # style accuracy over the styles
    weakest: float
    weakest_style: str
    diversity_ratio: float  # within-style pixel diversity, generated / real


def real_diversity(folder: StyleFolder) -> float:
    styles = len(folder.styles)
    per_style = [to_float(folder.images[folder.labels == s]) for s in range(styles)]
    return sum(mean_pairwise_distance(images) for images in per_style) / styles


def judged(
    trainer: Trainer, judge: JudgedClassifier, real: float, truncation: float = 1.0
) -> Judged:
    """The EMA generator on `PER_STYLE` images per style (seed 0, the same z at every
    truncation, so truncations differ only by the pull toward the style means)."""
    styles = trainer.num_styles
    labels = torch.arange(styles).repeat_interleave(PER_STYLE)
    z = torch.randn(len(labels), trainer.z_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        images = to_uint8(trainer.G_ema(z, one_hot(labels, styles), truncation))
    accuracy = per_style_accuracy(judge.model.predict(images), labels, trainer.folder.style_names)
    diversity = sum(
        mean_pairwise_distance(to_float(images[labels == s])) for s in range(styles)
    ) / (styles * real)
    return Judged(
        trainer.state.kimg,
        trainer.state.step,
        truncation,
        sum(accuracy.values()) / styles,
        min(accuracy.values()),
        min(accuracy, key=accuracy.__getitem__),
        diversity,
    )


def train_judged(
    config: RunConfig,
    folder: StyleFolder,
    judge: JudgedClassifier,
    every_kimg: float,
    real: float,
    truncations: Sequence[float] = (1.0,),
) -> Iterator[Judged]:
    """Train `config` to its `train.kimg`, yielding a judgement per truncation every
    `every_kimg`; `real` is `real_diversity(folder)`, computed once by the caller for all its
    recipes."""
    with tempfile.TemporaryDirectory() as work:
        trainer = Trainer(config, folder, Path(work) / "run", stream=io.StringIO())
        chunk = max(1, round(every_kimg * 1000 / config.train.batch))
        reason = "max steps reached"
        while reason == "max steps reached":
            reason = trainer.fit(max_steps=chunk)
            for truncation in truncations:
                yield judged(trainer, judge, real, truncation)
