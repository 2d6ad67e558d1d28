"""Which layers carry style: swap one resolution's style codes from A to B and measure.

Per-layer mixing (`--layers`) is only useful if users know which layers to mix. For each
group of layers acting on one resolution, the codes of style A are replaced by style B's in
that group alone, over many seeds and style pairs, and two things are measured against the
unswapped A image: how far the judge's probability of B rises (does the group carry what
tells the styles apart?) and how far MobileNetV2 features move (does it change the picture
much at all?). The sentence reports which group leads on each measure and, when the lead is
within noise, says so; it states measurements, never reasons.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from PIL import Image, ImageDraw

from polystyle.explain.page import LINE_HEIGHT, font
from polystyle.metrics.style_accuracy import StyleClassifier
from polystyle.models.base import StyleGenerator
from polystyle.nn.mobilenet_v2 import feature_distance, features
from polystyle.pipelines import SynthesisPipeline
from polystyle.sampling.images import to_float, to_uint8
from polystyle.sampling.seeds import z_from_seeds

WEAK_JUDGE = 0.8  # below this real-test accuracy the sentence warns that Δp is a weak signal
BAR_WIDTH, BAR_GAP, CHART_HEIGHT = 56, 16, 180
GROUP_COLOUR, ALL_COLOUR = (31, 119, 180), (160, 160, 160)


@dataclass(frozen=True)
class GroupEffect:
    label: str
    resolution: int | None  # None when the architecture does not say
    layers: list[int]
    delta_p: float  # mean rise of the judge's probability of B
    delta_p_sem: float  # its standard error over seeds x pairs
    feature_distance: float  # mean MobileNetV2 feature distance to the unswapped image
    feature_distance_sem: float

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "resolution": self.resolution,
            "layers": self.layers,
            "delta_p": round(self.delta_p, 6),
            "delta_p_sem": round(self.delta_p_sem, 6),
            "feature_distance": round(self.feature_distance, 6),
            "feature_distance_sem": round(self.feature_distance_sem, 6),
        }


@dataclass(frozen=True)
class LayerAttribution:
    groups: list[GroupEffect]
    all_layers: GroupEffect  # every layer swapped: the scale the groups are read against
    pairs: list[tuple[str, str]]
    seeds: int
    judge_accuracy: float | None

    @property
    def sentence(self) -> str:
        by_p = sorted(self.groups, key=lambda g: g.delta_p, reverse=True)
        by_f = sorted(self.groups, key=lambda g: g.feature_distance, reverse=True)
        top_p, top_f = by_p[0], by_f[0]
        if top_p.delta_p <= 0:
            judge = (
                "No single layer group moves the judge toward the swapped-in style on average "
                f"(largest Δp = {top_p.delta_p:+.2f})"
            )
        else:
            judge = (
                f"Swapping the {top_p.label} layers moves the judge most "
                f"(Δp = {top_p.delta_p:+.2f}{_tie_note(by_p, 'delta_p')})"
            )
        which = "the same" if top_f is top_p and top_p.delta_p > 0 else f"the {top_f.label}"
        look = (
            f"{which} layers change MobileNetV2 features most "
            f"(distance {top_f.feature_distance:.3f}{_tie_note(by_f, 'feature_distance')})"
        )
        text = f"{judge}; {look}."
        if self.judge_accuracy is not None and self.judge_accuracy < WEAK_JUDGE:
            text += (
                f" The judge scores only {self.judge_accuracy:.0%} on real test images, so Δp "
                "is a weak signal."
            )
        return text

    def to_json(self, images: dict[str, str]) -> dict[str, Any]:
        return {
            "skipped": None,
            "images": images,
            "pairs": [list(p) for p in self.pairs],
            "seeds": self.seeds,
            "groups": [g.to_json() for g in self.groups],
            "all_layers": self.all_layers.to_json(),
            "sentence": self.sentence,
        }


def _tie_note(ranked: list[GroupEffect], measure: str) -> str:
    """`, not clearly ahead of the X layers` when first and second differ by less than two
    standard errors of their difference."""
    if len(ranked) < 2:
        return ""
    first, second = ranked[0], ranked[1]
    gap = getattr(first, measure) - getattr(second, measure)
    noise = math.hypot(getattr(first, f"{measure}_sem"), getattr(second, f"{measure}_sem"))
    return f", not clearly ahead of the {second.label} layers" if gap < 2 * noise else ""


def skip_reason(pipe: SynthesisPipeline) -> str | None:
    """Why layer attribution cannot run on this model, or None when it can."""
    if pipe.generator.num_ws == 1:
        return (
            f"the {pipe.meta['architecture']} architecture uses one style code for all layers, "
            "so there are no layers to swap separately (per-layer style needs stylegan-lite)"
        )
    if len(pipe.style_names) < 2:
        return "the model has one style, so there is no second style to swap in"
    return None


def skipped_json(reason: str) -> dict[str, Any]:
    """The same keys as `LayerAttribution.to_json`, empty."""
    return {
        "skipped": reason,
        "images": {"judge": None, "features": None},
        "pairs": [],
        "seeds": 0,
        "groups": [],
        "all_layers": None,
        "sentence": f"Layer attribution skipped: {reason}.",
    }


def layer_groups(generator: StyleGenerator) -> list[tuple[str, int | None, list[int]]]:
    """(label, resolution, layer indices) per resolution, coarse to fine; every layer in
    exactly one group. Architectures that do not report resolutions get one group per layer."""
    resolutions = getattr(generator, "layer_resolutions", None)
    if resolutions is None:
        return [(f"layer {i}", None, [i]) for i in range(generator.num_ws)]
    groups: dict[int, list[int]] = {}
    for index, resolution in enumerate(resolutions()):
        groups.setdefault(resolution, []).append(index)
    return [(f"{r} px", r, indices) for r, indices in groups.items()]


def style_pairs(names: list[str], max_pairs: int, seed: int = 0) -> list[tuple[str, str]]:
    """Ordered pairs (A, B), A != B: all of them, or a seeded choice of `max_pairs` kept in
    their natural order."""
    pairs = [(a, b) for a in names for b in names if a != b]
    if len(pairs) <= max_pairs:
        return pairs
    chosen = torch.randperm(len(pairs), generator=torch.Generator().manual_seed(seed))
    return [pairs[i] for i in sorted(chosen[:max_pairs].tolist())]


@torch.no_grad()
def layer_attribution(
    pipe: SynthesisPipeline,
    judge: StyleClassifier,
    seed: int = 0,
    seeds: int = 16,
    max_pairs: int = 12,
    truncation: float = 1.0,
    judge_accuracy: float | None = None,
) -> LayerAttribution:
    """Seeds `seed .. seed + seeds - 1` for every pair; `judge_accuracy` (the judge's mean
    accuracy on real test images) only decides whether the sentence carries a warning."""
    groups = layer_groups(pipe.generator)
    pairs = style_pairs(pipe.style_names, max_pairs, seed)
    z = z_from_seeds(range(seed, seed + seeds), pipe.generator.config.z_dim)
    rises: list[torch.Tensor] = []  # per pair: (groups + 1) x seeds
    distances: list[torch.Tensor] = []
    for a, b in pairs:
        code_a = pipe.codes(pipe.style_weights(a).expand(seeds, -1), z, truncation)
        code_b = pipe.codes(pipe.style_weights(b).expand(seeds, -1), z, truncation)
        variants = [code_a]
        for _, _, indices in groups:
            swapped = code_a.clone()
            swapped[:, indices] = code_b[:, indices]
            variants.append(swapped)
        variants.append(code_b)
        images = to_uint8(pipe.generator.synthesis(torch.cat(variants)))
        p_b = torch.softmax(judge(to_float(images)), dim=1)[:, pipe.style_names.index(b)]
        p_b = p_b.view(len(variants), seeds)
        feats = features(images).view(len(variants), seeds, -1)
        rises.append(p_b[1:] - p_b[0])
        distances.append(torch.stack([feature_distance(f, feats[0]) for f in feats[1:]]))
    rise, distance = torch.cat(rises, dim=1), torch.cat(distances, dim=1)
    effects = [
        _effect(label, resolution, indices, rise[i], distance[i])
        for i, (label, resolution, indices) in enumerate(groups)
    ]
    every = _effect("all layers", None, list(range(pipe.generator.num_ws)), rise[-1], distance[-1])
    return LayerAttribution(effects, every, pairs, seeds, judge_accuracy)


def _effect(
    label: str, resolution: int | None, layers: list[int], rise: torch.Tensor, dist: torch.Tensor
) -> GroupEffect:
    def sem(values: torch.Tensor) -> float:
        return float(values.std() / math.sqrt(len(values))) if len(values) > 1 else 0.0

    return GroupEffect(
        label, resolution, layers, float(rise.mean()), sem(rise), float(dist.mean()), sem(dist)
    )


def render_bars(result: LayerAttribution, measure: str) -> Image.Image:
    """A bar per layer group plus a grey "all layers" bar for scale; `measure` is `delta_p` or
    `feature_distance`. Bars grow up from a zero line (down for negative Δp)."""
    titles = {
        "delta_p": "Rise of the judge's probability of B when the group is swapped from A to B",
        "feature_distance": "MobileNetV2 feature distance to the unswapped image",
    }
    bars = [*result.groups, result.all_layers]
    values = [getattr(g, measure) for g in bars]
    face = font()
    top_value, bottom_value = max(0.0, *values), min(0.0, *values)
    span = max(top_value - bottom_value, 1e-9)
    plot_top = 8 + 2 * LINE_HEIGHT
    zero_y = plot_top + round(CHART_HEIGHT * top_value / span)
    width = max(
        len(bars) * (BAR_WIDTH + BAR_GAP) + BAR_GAP, int(face.getlength(titles[measure])) + 16
    )
    canvas = Image.new("RGB", (width, plot_top + CHART_HEIGHT + 3 * LINE_HEIGHT), "white")
    draw = ImageDraw.Draw(canvas)
    draw.text((8, 6), titles[measure], fill="black", font=face)
    for i, (group, value) in enumerate(zip(bars, values, strict=True)):
        left = BAR_GAP + i * (BAR_WIDTH + BAR_GAP)
        end_y = zero_y - round(CHART_HEIGHT * value / span)
        colour = ALL_COLOUR if group is result.all_layers else GROUP_COLOUR
        draw.rectangle(
            (left, min(zero_y, end_y), left + BAR_WIDTH, max(zero_y, end_y)), fill=colour
        )
        text = f"{value:+.3f}" if measure == "delta_p" else f"{value:.3f}"
        label_y = min(zero_y, end_y) - LINE_HEIGHT if value >= 0 else max(zero_y, end_y) + 2
        draw.text((left, label_y), text, fill="black", font=face)
        below = plot_top + CHART_HEIGHT + LINE_HEIGHT
        draw.text((left, below), group.label, fill="black", font=face)
    draw.line((0, zero_y, width, zero_y), fill="black")
    return canvas
