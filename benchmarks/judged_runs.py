"""Shared by the recipe benchmarks: train cpu-64 on fonts-cjk, judging the EMA generator as
it goes (style accuracy per style and within-style diversity), so that recipes are compared
at equal images seen.

Diversity is reported twice. Pixel distance counts blur and grey background as variety, so a
generator that draws one composition per style with noisy strokes scores above the data;
MobileNetV2 feature distance compares what the images depict and sees that collapse. The
composition ratio counts it: the effective number of distinct layouts among a style's images
(a Vendi score), generated over real, at equal numbers of images. Layout agreement asks
whether z picks the content: one z drawn in every style, the mean correlation of its layouts,
over the same for one character in every font of the data."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import torch

from polystyle.config import DataConfig
from polystyle.config.run import RunConfig
from polystyle.data import StyleFolder
from polystyle.metrics.diversity import (
    composition_count,
    layout_agreement,
    mean_pairwise_distance,
    mean_pairwise_feature_distance,
)
from polystyle.metrics.style_accuracy import JudgedClassifier, per_style_accuracy
from polystyle.models import one_hot
from polystyle.nn.mobilenet_v2 import features
from polystyle.pipelines import SynthesisPipeline
from polystyle.sampling.grids import make_grid
from polystyle.sampling.images import to_uint8
from polystyle.training.trainer import Trainer

PER_STYLE = 64
DIVERSITY_IMAGES = 256  # per style, as many as mean_pairwise_distance compares
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
    feature_diversity_ratio: float  # within-style MobileNetV2 feature diversity, generated / real
    composition_ratio: float  # effective number of compositions per style, generated / real
    agreement_ratio: float  # one z's layout across styles, over one character's across fonts


class StyleDiversity(NamedTuple):
    """Within-style diversity averaged over styles; the real data's is the ratios' denominator."""

    pixel: float
    feature: float
    compositions: float  # among PER_STYLE images


def style_diversities(images_by_style: dict[str, torch.Tensor]) -> dict[str, StyleDiversity]:
    """Per style: mean pairwise pixel and MobileNetV2 feature distance of its uint8 images."""
    return {
        name: StyleDiversity(
            mean_pairwise_distance(images[:DIVERSITY_IMAGES]),
            mean_pairwise_feature_distance(features(images[:DIVERSITY_IMAGES])),
            composition_count(images[:PER_STYLE]),
        )
        for name, images in images_by_style.items()
    }


def within_style_diversity(images: torch.Tensor, labels: torch.Tensor) -> StyleDiversity:
    """`style_diversities` averaged over the styles present in `labels`."""
    per_style = style_diversities({str(int(s)): images[labels == s] for s in labels.unique()})
    count = len(per_style)
    return StyleDiversity(
        sum(d.pixel for d in per_style.values()) / count,
        sum(d.feature for d in per_style.values()) / count,
        sum(d.compositions for d in per_style.values()) / count,
    )


def models_on_data(
    data: str, models: Sequence[str]
) -> tuple[dict[str, SynthesisPipeline], StyleFolder]:
    """The models' pipelines, and the dataset opened at their one image size (scripts that
    compare models against one dataset need them to draw at the same size)."""
    pipes = {model: SynthesisPipeline.from_pretrained(model, device="cpu") for model in models}
    sizes = {pipe.meta["image"]["size"] for pipe in pipes.values()}
    if len(sizes) != 1:
        raise SystemExit(f"the models draw at different sizes {sorted(sizes)}; compare one size")
    return pipes, StyleFolder.open(data, DataConfig(size=sizes.pop()))


def real_diversity(folder: StyleFolder) -> StyleDiversity:
    return within_style_diversity(folder.images, folder.labels)


def judged(
    trainer: Trainer,
    judge: JudgedClassifier,
    real: StyleDiversity,
    real_agreement: float,
    truncation: float = 1.0,
) -> Judged:
    """The EMA generator on `PER_STYLE` images per style (seed 0, the same z at every
    truncation, so truncations differ only by the pull toward the style means). Layout
    agreement draws the first style's z in every style."""
    styles = trainer.num_styles
    labels = torch.arange(styles).repeat_interleave(PER_STYLE)
    z = torch.randn(len(labels), trainer.z_dim, generator=torch.Generator().manual_seed(0))
    shared_z = z[:PER_STYLE].repeat(styles, 1)
    with torch.no_grad():
        images = to_uint8(trainer.G_ema(z, one_hot(labels, styles), truncation))
        restyled = to_uint8(trainer.G_ema(shared_z, one_hot(labels, styles), truncation))
    accuracy = per_style_accuracy(judge.model.predict(images), labels, trainer.folder.style_names)
    diversity = within_style_diversity(images, labels)
    return Judged(
        trainer.state.kimg,
        trainer.state.step,
        truncation,
        sum(accuracy.values()) / styles,
        min(accuracy.values()),
        min(accuracy, key=accuracy.__getitem__),
        diversity.pixel / real.pixel,
        diversity.feature / real.feature,
        diversity.compositions / real.compositions,
        layout_agreement(restyled.view(styles, PER_STYLE, *restyled.shape[1:])) / real_agreement,
    )


def train_judged(
    config: RunConfig,
    folder: StyleFolder,
    judge: JudgedClassifier,
    every_kimg: float,
    real: StyleDiversity,
    real_agreement: float,
    truncations: Sequence[float] = (1.0,),
    grids: Path | None = None,
    model: Path | None = None,
) -> Iterator[Judged]:
    """Train `config` to its `train.kimg`, yielding a judgement per truncation every
    `every_kimg`; `real` and `real_agreement` are `real_diversity(folder)` and
    `real_layout_agreement(folder, PER_STYLE)`, computed once by the caller for all its
    recipes. With `grids`, the EMA sample grid (one row per style) is written there at each
    judgement, so what a diversity ratio means can be seen. With `model`, the trained model
    folder is written there at the end, so new measures can be read from it without training
    again."""
    with tempfile.TemporaryDirectory() as work:
        trainer = Trainer(config, folder, Path(work) / "run", stream=io.StringIO())
        chunk = max(1, round(every_kimg * 1000 / config.train.batch))
        reason = "max steps reached"
        while reason == "max steps reached":
            reason = trainer.fit(max_steps=chunk)
            if grids is not None:
                grids.mkdir(parents=True, exist_ok=True)
                grid = make_grid(trainer.sample_grid(), columns=config.train.samples_per_style)
                grid.save(grids / f"{trainer.state.kimg:.0f}kimg.png")
            for truncation in truncations:
                yield judged(trainer, judge, real, real_agreement, truncation)
        if model is not None:
            trainer.export(model)
