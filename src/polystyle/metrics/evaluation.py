"""Evaluate generated images against a real split: every registered metric, one report.

Metrics register in `METRICS` under a key and take an `EvalContext`, which computes each
expensive thing (Inception features, MobileNetV2 features, the style judge) once, on first
use, and shares it; real-image features are cached on disk next to the dataset cache, keyed
by the dataset's content hash (the cache folder) and the split. The context takes images,
not a model, so metrics never depend on how the images were made.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import cached_property

import torch
from safetensors.torch import load_file, save

from polystyle.data import StyleFolder
from polystyle.data.splits import Split
from polystyle.errors import ConfigError
from polystyle.fileio import atomic_write_bytes
from polystyle.metrics import diversity
from polystyle.metrics.frechet import frechet_distance_of
from polystyle.metrics.inception import inception_features
from polystyle.metrics.kid import kernel_inception_distance
from polystyle.metrics.precision_recall import precision_recall
from polystyle.metrics.style_accuracy import JudgedClassifier, classifier_for, per_style_accuracy
from polystyle.nn.mobilenet_v2 import features as mobilenet_features
from polystyle.registry import METRICS
from polystyle.sampling.images import to_float

DEFAULT_METRICS = (
    "fid",
    "kid",
    "precision_recall",
    "style_accuracy",
    "diversity",
    "layout_agreement",
)
FEATURE_CACHE_VERSION = 1
COMPOSITION_IMAGES = 256  # per style and side, for the effective number of compositions
LAYOUT_SEEDS = 64  # seeds drawn in every style, for layout agreement
Report = dict[str, object]


class EvalContext:
    def __init__(
        self,
        fake: torch.Tensor,
        fake_labels: torch.Tensor,
        folder: StyleFolder,
        split: Split | str = "test",
        seed: int = 0,
        restyled: torch.Tensor | None = None,
    ) -> None:
        """`restyled`: uint8 [styles, n, C, H, W], the same n seeds drawn in every style
        (`SynthesisPipeline.shared_seed_samples`); only `layout_agreement` reads it."""
        self.fake, self.fake_labels = fake, fake_labels
        self.restyled = restyled
        self.folder, self.split, self.seed = folder, split, seed
        self.style_names = folder.style_names
        self.seconds: dict[str, float] = {}
        index = self._split_indices(split)
        self.real, self.real_labels = folder.images[index], folder.labels[index]

    def _split_indices(self, split: str) -> list[int]:
        if split == "all":
            return list(range(len(self.folder)))
        if split not in ("train", "val", "test"):
            raise ConfigError(f"--split {split!r}: use train, val, test or all")
        index = self.folder.indices(split)
        if len(index) < 2:
            raise ConfigError(
                f"the {split} split of {self.folder.root} holds {len(index)} image(s); "
                "use --split all or a larger dataset"
            )
        return index

    def timed(self, name: str, compute: Callable[[], torch.Tensor]) -> torch.Tensor:
        started = time.perf_counter()
        value = compute()
        self.seconds[name] = round(time.perf_counter() - started, 2)
        return value

    def _cached_real(self, extractor: str, compute: Callable[[torch.Tensor], torch.Tensor]):
        path = (
            self.folder.cache_dir
            / f"features-v{FEATURE_CACHE_VERSION}-{extractor}-{self.split}.safetensors"
        )
        if path.is_file():
            return load_file(str(path))["features"]
        features = self.timed(f"{extractor} real", lambda: compute(self.real))
        atomic_write_bytes(path, save({"features": features.contiguous()}))
        return features

    @cached_property
    def inception_fake(self) -> torch.Tensor:
        return self.timed("inception generated", lambda: inception_features(self.fake))

    @cached_property
    def inception_real(self) -> torch.Tensor:
        return self._cached_real("inception", inception_features)

    @cached_property
    def mobilenet_fake(self) -> torch.Tensor:
        return self.timed("mobilenet generated", lambda: mobilenet_features(self.fake))

    @cached_property
    def mobilenet_real(self) -> torch.Tensor:
        return self._cached_real("mobilenet", mobilenet_features)

    @cached_property
    def judge(self) -> JudgedClassifier:
        started = time.perf_counter()
        judge = classifier_for(self.folder)
        self.seconds["style judge"] = round(time.perf_counter() - started, 2)
        return judge

    def per_style(self, fn: Callable[[torch.Tensor, torch.Tensor], float], real, fake) -> dict:
        """`fn(real_of_style, fake_of_style)` for each style present on both sides."""
        out = {}
        for i, name in enumerate(self.style_names):
            real_i, fake_i = real[self.real_labels == i], fake[self.fake_labels == i]
            if len(real_i) >= 2 and len(fake_i) >= 2:
                out[name] = fn(real_i, fake_i)
        return out


def _counts(ctx: EvalContext) -> dict[str, dict[str, int]]:
    return {
        name: {
            "real": int((ctx.real_labels == i).sum()),
            "generated": int((ctx.fake_labels == i).sum()),
        }
        for i, name in enumerate(ctx.style_names)
    }


@METRICS.register("fid")
def fid(ctx: EvalContext) -> Report:
    """FID overall, and per style (intra-style FID: each style's images against its own)."""
    real, fake = ctx.inception_real, ctx.inception_fake
    return {
        "overall": frechet_distance_of(real, fake),
        "per_style": ctx.per_style(frechet_distance_of, real, fake),
    }


@METRICS.register("kid")
def kid(ctx: EvalContext) -> Report:
    real, fake = ctx.inception_real, ctx.inception_fake
    overall = kernel_inception_distance(real, fake, seed=ctx.seed)
    per_style = ctx.per_style(
        lambda r, f: kernel_inception_distance(r, f, seed=ctx.seed).mean, real, fake
    )
    return {
        "mean": overall.mean,
        "std": overall.std,
        "subsets": overall.subsets,
        "subset_size": overall.subset_size,
        "per_style_mean": per_style,
    }


@METRICS.register("precision_recall")
def precision_recall_metric(ctx: EvalContext) -> Report:
    result = precision_recall(ctx.inception_real, ctx.inception_fake, k=3)
    return {"precision": result.precision, "recall": result.recall, "k": result.k}


def _mean(values: dict[str, float]) -> float:
    return sum(values.values()) / len(values) if values else float("nan")


@METRICS.register("style_accuracy")
def style_accuracy(ctx: EvalContext) -> Report:
    """The judge's accuracy on generated images beside its own accuracy on real test images,
    the confusion matrix (rows: asked-for style, columns: judged style), and FD-style: the
    Fréchet distance in the judge's penultimate features."""
    judge = ctx.judge
    predicted = judge.model.predict(ctx.fake)
    names = ctx.style_names
    generated = per_style_accuracy(predicted, ctx.fake_labels, names)
    confusion = torch.zeros(len(names), len(names), dtype=torch.long)
    confusion.index_put_((ctx.fake_labels, predicted), torch.ones_like(predicted), accumulate=True)
    real_f, fake_f = judge_features(judge, ctx.real), judge_features(judge, ctx.fake)
    return {
        "generated": {"per_style": generated, "mean": _mean(generated)},
        "real_test": {"per_style": judge.real_test_accuracy, "mean": judge.mean_real_accuracy},
        "confusion": {"styles": names, "counts": confusion.tolist()},
        "fd_style": {
            "overall": frechet_distance_of(real_f, fake_f),
            "per_style": ctx.per_style(frechet_distance_of, real_f, fake_f),
        },
    }


@torch.inference_mode()
def judge_features(judge: JudgedClassifier, images: torch.Tensor, batch: int = 256):
    model = judge.model.eval()
    return torch.cat(
        [
            model.features(to_float(images[i : i + batch])).flatten(1)
            for i in range(0, len(images), batch)
        ]
    )


def _compositions(fake: torch.Tensor, real: torch.Tensor) -> dict[str, float]:
    """Effective numbers of compositions, each side counted among as many images as the
    smaller side has (the count grows with the number of images)."""
    count = min(len(fake), len(real), COMPOSITION_IMAGES)
    return {
        "generated": diversity.composition_count(fake[:count]),
        "real": diversity.composition_count(real[:count]),
        "images": count,
    }


@METRICS.register("diversity")
def diversity_metric(ctx: EvalContext) -> Report:
    """Within-style spread (MobileNetV2 feature distance, pixel L1 and the effective number of
    compositions), generated vs real, and memorisation: each generated image's RMS pixel
    distance to its nearest training image, beside the same for real held-out images (a
    copying generator scores far below them)."""
    names = ctx.style_names
    per_style = {}
    for i, name in enumerate(names):
        fake_mask, real_mask = ctx.fake_labels == i, ctx.real_labels == i
        if fake_mask.sum() < 2 or real_mask.sum() < 2:
            continue
        per_style[name] = {
            "mobilenet_feature_distance": {
                "generated": diversity.mean_pairwise_feature_distance(
                    ctx.mobilenet_fake[fake_mask]
                ),
                "real": diversity.mean_pairwise_feature_distance(ctx.mobilenet_real[real_mask]),
            },
            "pixel_l1": {
                "generated": diversity.mean_pairwise_distance(ctx.fake[fake_mask]),
                "real": diversity.mean_pairwise_distance(ctx.real[real_mask]),
            },
            "compositions": _compositions(ctx.fake[fake_mask], ctx.real[real_mask]),
        }
    train = ctx.folder.images[ctx.folder.indices("train") or list(range(len(ctx.folder)))]
    memorisation = {
        "generated_to_train": diversity.nearest_neighbour_distance(ctx.fake, train),
        "real_to_train": diversity.nearest_neighbour_distance(ctx.real, train),
        "note": "RMS pixel distance (pixels in [0, 1]) to the nearest training image",
    }
    return {
        "name": "MobileNetV2 feature distance (LPIPS-style, uncalibrated); not LPIPS",
        "per_style": per_style,
        "mean": {
            kind: {
                side: _mean({n: v[kind][side] for n, v in per_style.items()})
                for side in ("generated", "real")
            }
            for kind in ("mobilenet_feature_distance", "pixel_l1", "compositions")
        },
        "memorisation": memorisation,
    }


def real_layout_agreement(folder: StyleFolder, limit: int) -> tuple[float, float]:
    """`diversity.layout_agreement` of up to `limit` file stems present in every style (in
    fonts-cjk one character in every font), and the same with each style's list rotated by
    its index so that no two styles show one stem: the level at which content is not kept.
    NaN for both when fewer stems than styles are shared, so no reference is claimed."""
    styles = len(folder.style_names)
    shared = [ids for ids in folder.pairs.by_stem.values() if len(ids) == styles][:limit]
    if styles < 2 or len(shared) < styles:
        return math.nan, math.nan
    by_style = torch.stack([folder.images[[ids[s] for ids in shared]] for s in range(styles)])
    rotated = torch.stack([by_style[s].roll(s, dims=0) for s in range(styles)])
    return diversity.layout_agreement(by_style), diversity.layout_agreement(rotated)


def _finite_or_none(value: float) -> float | None:
    return None if math.isnan(value) else value


@METRICS.register("layout_agreement")
def layout_agreement_metric(ctx: EvalContext) -> Report:
    """Does a seed keep its content when only the style changes? The mean correlation of one
    seed's layouts across styles, beside one file name's across the real styles (one
    character in every font) and unrelated images'. A generator whose style, not its noise,
    picks the composition scores near the unrelated level."""
    if ctx.restyled is None:
        raise ConfigError(
            "layout_agreement needs the same seeds drawn in every style: pass "
            "EvalContext(restyled=pipe.shared_seed_samples(n)), or leave it out of --metrics"
        )
    styles, seeds = ctx.restyled.shape[:2]
    if styles < 2:
        note = "needs two or more styles"
        return {"generated": None, "real": None, "unrelated": None, "seeds": seeds, "note": note}
    real, unrelated = real_layout_agreement(ctx.folder, seeds)
    return {
        "generated": diversity.layout_agreement(ctx.restyled),
        "real": _finite_or_none(real),
        "unrelated": _finite_or_none(unrelated),
        "seeds": seeds,
        "note": "mean Pearson correlation of 16x16 layouts across styles; real: one file "
        "name in every style; unrelated: different file names",
    }


def evaluate(
    ctx: EvalContext, metrics: tuple[str, ...] | list[str] = DEFAULT_METRICS
) -> dict[str, object]:
    """Run `metrics` (registry keys) on `ctx`; returns the JSON-ready report."""
    functions = {name: METRICS.get(name) for name in metrics}
    results = {}
    for name, function in functions.items():
        started = time.perf_counter()
        results[name] = function(ctx)
        ctx.seconds[f"metric {name}"] = round(time.perf_counter() - started, 2)
    return {
        "split": ctx.split,
        "n_generated": len(ctx.fake),
        "n_real": len(ctx.real),
        "counts": _counts(ctx),
        "seed": ctx.seed,
        "metrics": results,
        "seconds": ctx.seconds,
    }
