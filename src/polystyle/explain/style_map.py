"""Style-space map: where each style's codes lie, drawn on the plane of largest variance.

Every style control (labels, blends, prompts, references) ends in a style code, so a map of
the codes shows whether the styles occupy separate regions and how far blends or reference
images land from them. A 2-D PCA keeps only two directions, so the map reports their share of
the variance, and `between_style_share` measures style separation in the full code space:
a tidy-looking picture of two weak axes must not pass for a tidy model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from PIL import Image, ImageDraw

from polystyle.explain.page import LINE_HEIGHT, font, frame_image, style_colour
from polystyle.pipelines import SynthesisPipeline
from polystyle.sampling.images import to_uint8
from polystyle.sampling.seeds import z_from_seeds

PLOT_SIZE = 440
THUMBNAIL = 48
DOT_RADIUS = 3


@dataclass(frozen=True)
class StyleMap:
    style_names: list[str]
    means: torch.Tensor  # S x 2: each style's mean code, projected
    samples: torch.Tensor  # S x n x 2: single codes, projected
    extra: dict[str, torch.Tensor]  # label -> N x 2: caller-supplied codes, projected
    explained: torch.Tensor  # 2: each axis's share of the total code variance
    between_style_share: float  # variance of the style means / total variance, full space
    thumbnails: torch.Tensor  # uint8 S x C x H x W: the image of each mean code

    def to_json(self, image: str | None) -> dict[str, Any]:
        def points(xy: torch.Tensor) -> list[list[float]]:
            return [[round(float(x), 6), round(float(y), 6)] for x, y in xy]

        return {
            "image": image,
            "explained": [round(float(v), 6) for v in self.explained],
            "between_style_share": round(self.between_style_share, 6),
            "styles": {
                name: {"mean": points(self.means[i : i + 1])[0], "samples": points(self.samples[i])}
                for i, name in enumerate(self.style_names)
            },
            "extra": {label: points(xy) for label, xy in self.extra.items()},
        }


@torch.no_grad()
def style_map(
    pipe: SynthesisPipeline,
    seed: int = 0,
    codes_per_style: int = 64,
    samples_per_style: int = 12,
    truncation: float = 1.0,
    extra: Mapping[str, torch.Tensor] | None = None,
) -> StyleMap:
    """Codes of `codes_per_style` seeds per style (the same seeds for every style, so the
    styles differ by style alone) fix the axes and the means; the first `samples_per_style`
    are drawn as dots. `extra` maps a label to per-layer codes `N x num_ws x code_dim` (as
    `pipe.codes` returns), projected onto the same axes without moving them."""
    names = pipe.style_names
    z = z_from_seeds(range(seed, seed + codes_per_style), pipe.generator.config.z_dim)
    codes = torch.stack(
        [pipe.codes(pipe.style_weights(n).expand(len(z), -1), z, truncation).cpu() for n in names]
    )  # S x n x num_ws x code_dim
    mean_codes = codes.mean(dim=1)
    thumbnails = to_uint8(pipe.generator.synthesis(mean_codes.to(pipe.device)))
    flat = codes.flatten(2).double()  # layers concatenated: mixed-layer extras stay comparable
    centre, axes, explained = _principal_plane(flat.flatten(0, 1))
    means = flat.mean(dim=1) - centre
    total = (flat - centre).square().sum(dim=2).mean()
    return StyleMap(
        style_names=list(names),
        means=(means @ axes.T).float(),
        samples=((flat[:, :samples_per_style] - centre) @ axes.T).float(),
        extra={
            label: ((c.cpu().flatten(1).double() - centre) @ axes.T).float()
            for label, c in (extra or {}).items()
        },
        explained=explained.float(),
        between_style_share=float(means.square().sum(dim=1).mean() / total.clamp_min(1e-12)),
        thumbnails=thumbnails,
    )


def _principal_plane(points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Centre, the top two principal axes (2 x F, sign fixed so the largest entry is positive,
    hence the same map on every run) and their shares of the variance."""
    centre = points.mean(dim=0)
    _, singular, vectors = torch.linalg.svd(points - centre, full_matrices=False)
    axes = torch.zeros(2, points.shape[1], dtype=points.dtype)
    count = min(2, len(singular))
    axes[:count] = vectors[:count]
    signs = axes.gather(1, axes.abs().argmax(dim=1, keepdim=True)).sign()
    signs[signs == 0] = 1
    variance = torch.zeros(2, dtype=points.dtype)
    variance[:count] = singular[:count].square()
    return centre, axes * signs, variance / singular.square().sum().clamp_min(1e-12)


def render_style_map(result: StyleMap) -> Image.Image:
    """Scatter of the codes with equal axis scales (so distances read true), a thumbnail at
    each style mean, caller-supplied points as labelled black diamonds, and a legend."""
    face = font()
    margin = THUMBNAIL // 2 + 6
    legend_w = 24 + max(int(face.getlength(n)) for n in [*result.style_names, "extra points"])
    everything = torch.cat([result.means, result.samples.flatten(0, 1), *result.extra.values()])
    low, high = everything.min(dim=0).values, everything.max(dim=0).values
    span = (high - low).clamp_min(1e-9)
    middle = (low + high) / 2
    scale = (PLOT_SIZE - 2 * margin) / float(span.max())
    plot_h = max(round(float(span[1]) * scale) + 2 * margin, 4 * margin)
    legend_h = 8 + (len(result.style_names) + 1) * (LINE_HEIGHT + 4)
    width, height = PLOT_SIZE + legend_w + 20, max(plot_h + 2 * LINE_HEIGHT + 12, legend_h)
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)

    def to_pixel(xy: torch.Tensor) -> tuple[int, int]:
        x = PLOT_SIZE / 2 + float(xy[0] - middle[0]) * scale
        y = plot_h / 2 - float(xy[1] - middle[1]) * scale  # up is +PC2
        return round(x), round(y)

    draw.rectangle((0, 0, PLOT_SIZE - 1, plot_h - 1), outline=(200, 200, 200))
    for i, samples in enumerate(result.samples):
        for xy in samples:
            x, y = to_pixel(xy)
            r = DOT_RADIUS
            draw.ellipse((x - r, y - r, x + r, y + r), fill=style_colour(i))
    for i, (mean, image) in enumerate(zip(result.means, result.thumbnails, strict=True)):
        x, y = to_pixel(mean)
        left, top = x - THUMBNAIL // 2, y - THUMBNAIL // 2
        draw.rectangle(
            (left - 3, top - 3, left + THUMBNAIL + 2, top + THUMBNAIL + 2), fill=style_colour(i)
        )
        canvas.paste(frame_image(image, THUMBNAIL), (left, top))
    for label, points in result.extra.items():
        for xy in points:
            x, y = to_pixel(xy)
            draw.polygon([(x, y - 5), (x + 5, y), (x, y + 5), (x - 5, y)], fill="black")
        if len(points):
            x, y = to_pixel(points[0])
            draw.text((x + 7, y - LINE_HEIGHT // 2), label, fill="black", font=face)
    for i, name in enumerate(result.style_names):
        y = 8 + i * (LINE_HEIGHT + 4)
        draw.rectangle((PLOT_SIZE + 12, y, PLOT_SIZE + 24, y + 12), fill=style_colour(i))
        draw.text((PLOT_SIZE + 30, y), name, fill="black", font=face)
    if result.extra:
        y = 8 + len(result.style_names) * (LINE_HEIGHT + 4)
        draw.polygon(
            [
                (PLOT_SIZE + 18, y),
                (PLOT_SIZE + 24, y + 6),
                (PLOT_SIZE + 18, y + 12),
                (PLOT_SIZE + 12, y + 6),
            ],
            fill="black",
        )
        draw.text((PLOT_SIZE + 30, y), "extra points", fill="black", font=face)
    explained = result.explained.tolist()
    draw.text(
        (4, plot_h + 6),
        f"PC1 (right): {explained[0]:.1%} of code variance   PC2 (up): {explained[1]:.1%}   "
        f"between-style share: {result.between_style_share:.1%}",
        fill="black",
        font=face,
    )
    return canvas
