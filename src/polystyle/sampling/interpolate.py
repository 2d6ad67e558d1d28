"""Paths through a model's inputs, rendered as animation frames.

A path moves along one axis so that what changes between frames is attributable: either the
noise (keypoints are seeds, the style is fixed) or the style (keypoints are style specs, the
seed is fixed).

Style paths interpolate the style *weights* linearly and map every frame's weights to codes
with `SynthesisPipeline.codes`, rather than interpolating the per-layer codes themselves. The
mapping network is non-linear in the weights, so the two paths differ in between; interpolating
weights keeps every frame a blend a user can name and reproduce (`generate --style
kai=0.25,hei=0.75` draws the same frame), keeps the truncation centre moving with the blend,
and leaves `layers` and `directions` meaning what they mean everywhere else. The keypoint
frames themselves are identical either way.

Frames are spread over the path so that every keypoint is a frame and spacing is as even as
it can be: keypoint k sits at frame round(k * (frames - 1) / (keypoints - 1)), and the frames
between two keypoints are evenly spaced within that segment. When (frames - 1) is a multiple of
(keypoints - 1) every segment gets the same number of frames; otherwise segment lengths
differ by one frame at most.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

import torch

from polystyle.errors import ConfigError
from polystyle.sampling.images import to_uint8
from polystyle.sampling.seeds import z_from_seeds
from polystyle.styles.codes import StyleSpec

if TYPE_CHECKING:
    from polystyle.pipelines.synthesis import LayerSpec, SynthesisPipeline

Mode = Literal["lerp", "slerp"]
MODES: tuple[Mode, ...] = ("slerp", "lerp")

# Below this sin(angle) slerp divides by almost nothing; lerp and slerp then differ by about
# angle^2 / 8 of the norm (~1e-9), far below float32 resolution, so lerp loses nothing.
PARALLEL_EPS = 1e-4


def lerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Straight line from `a` (t = 0) to `b` (t = 1). `torch.lerp` computes from the nearer end,
    so both endpoints come back bit-exact, which keeps keypoint frames identical to a plain
    render."""
    return torch.lerp(a, b, t)


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation along the last dimension (rows of a batch independently).

    A straight line between two Gaussian noise vectors passes through low-norm points the
    generator rarely saw in training (the midpoint of two independent z is ~0.71x as long);
    the arc keeps unit vectors unit and typical norms typical. When the vectors are nearly
    parallel or opposite the arc is ill-defined (opposite: any great circle would do), so
    those rows fall back to lerp. Endpoints are exact: the coefficients are exactly 1 and 0.
    """
    a64, b64 = a.double(), b.double()
    norms = a64.norm(dim=-1) * b64.norm(dim=-1)
    cos = ((a64 * b64).sum(dim=-1) / norms.clamp_min(1e-300)).clamp(-1.0, 1.0)
    omega = torch.arccos(cos)
    sin = torch.sin(omega)
    arc = sin > PARALLEL_EPS
    safe_sin = torch.where(arc, sin, torch.ones_like(sin))
    coef_a = torch.where(arc, torch.sin((1.0 - t) * omega) / safe_sin, torch.full_like(sin, 1 - t))
    coef_b = torch.where(arc, torch.sin(t * omega) / safe_sin, torch.full_like(sin, t))
    out = coef_a.unsqueeze(-1) * a64 + coef_b.unsqueeze(-1) * b64
    return out.to(a.dtype)


def keyframe_indices(keypoints: int, frames: int) -> list[int]:
    """The frame each keypoint lands on (see the module docstring for the rule)."""
    if keypoints < 2:
        raise ConfigError(f"a path needs two or more keypoints, got {keypoints}")
    if frames < 2:
        raise ConfigError(f"--frames {frames}: an animation needs 2 or more frames")
    if frames < keypoints:
        raise ConfigError(
            f"--frames {frames}: fewer frames than the {keypoints} keypoints; use --frames "
            f"{keypoints} or more so that every keypoint is shown"
        )
    span, steps = frames - 1, keypoints - 1
    return [(2 * k * span + steps) // (2 * steps) for k in range(keypoints)]


def path_positions(keypoints: int, frames: int) -> list[tuple[int, float]]:
    """(segment, t) for every frame: frame i lies at `t` in [0, 1] between keypoints `segment`
    and `segment + 1`. A keypoint frame has t = 0 (or t = 1 for the last one)."""
    marks = keyframe_indices(keypoints, frames)
    positions = []
    segment = 0
    for frame in range(frames):
        while segment < keypoints - 2 and frame >= marks[segment + 1]:
            segment += 1
        start, stop = marks[segment], marks[segment + 1]
        positions.append((segment, (frame - start) / (stop - start)))
    return positions


def interpolation_frames(
    pipe: SynthesisPipeline,
    *,
    seeds: Sequence[int] | None,
    styles: Sequence[StyleSpec] | None,
    frames: int,
    mode: Mode = "slerp",
    truncation: float = 1.0,
    layers: LayerSpec | None = None,
    directions: Mapping[int, float] | None = None,
) -> torch.Tensor:
    """uint8 `frames x C x H x W` along a path through several seeds (one style) or several
    style specs (one seed). `mode` shapes the noise path only: style weights are always
    interpolated linearly, which keeps every frame a valid blend (weights >= 0, sum 1)."""
    seeds, styles = list(seeds or []), list(styles or [])
    if mode not in MODES:
        raise ConfigError(f"--mode {mode!r}: use one of {', '.join(MODES)}")
    if len(seeds) > 1 and len(styles) > 1:
        raise ConfigError(
            "a path moves along one axis: give several --seeds with one --style, or several "
            "--styles with one --seed, not several of both"
        )
    z_dim = pipe.generator.config.z_dim
    if len(seeds) > 1:
        if len(styles) != 1:
            raise ConfigError("--seeds path: name the one style to draw in, e.g. --style kai")
        keys = z_from_seeds(seeds, z_dim)
        step = slerp if mode == "slerp" else lerp
        z = torch.stack(
            [step(keys[j], keys[j + 1], t) for j, t in path_positions(len(keys), frames)]
        )
        weights = pipe.style_weights(styles[0]).expand(len(z), -1)
    elif len(styles) > 1:
        if len(seeds) != 1:
            raise ConfigError("--styles path: give the one noise seed to draw, e.g. --seed 3")
        keys = torch.stack([pipe.style_weights(spec) for spec in styles])
        weights = torch.stack(
            [lerp(keys[j], keys[j + 1], t) for j, t in path_positions(len(keys), frames)]
        )
        z = z_from_seeds(seeds, z_dim).expand(len(weights), -1)
    else:
        raise ConfigError(
            "nothing to interpolate: give two or more --seeds (with one --style) or two or "
            "more --styles (with one --seed)"
        )
    return render(pipe, weights, z, truncation, layers, directions)


def style_wheel(
    pipe: SynthesisPipeline, seed: int, steps: int, truncation: float = 1.0
) -> torch.Tensor:
    """One seed through every style in model order and back to the first: `steps` frames per
    style-to-style segment, `steps * styles` frames in all. Each segment stops one step short
    of its end (the next segment starts there), so a looping animation never shows a style
    twice in a row."""
    names = pipe.style_names
    if len(names) < 2:
        raise ConfigError(f"--wheel: this model has one style ({names[0]}); a wheel needs two")
    if steps < 1:
        raise ConfigError(f"--wheel with {steps} steps per style: use 1 or more")
    eye = torch.eye(len(names))
    weights = torch.stack(
        [
            lerp(eye[i], eye[(i + 1) % len(names)], k / steps)
            for i in range(len(names))
            for k in range(steps)
        ]
    )
    z = z_from_seeds([seed], pipe.generator.config.z_dim).expand(len(weights), -1)
    return render(pipe, weights, z, truncation)


@torch.no_grad()
def render(
    pipe: SynthesisPipeline,
    weights: torch.Tensor,
    z: torch.Tensor,
    truncation: float = 1.0,
    layers: LayerSpec | None = None,
    directions: Mapping[int, float] | None = None,
    batch_size: int = 32,
) -> torch.Tensor:
    """Frames for rows of (weights, z), batched to bound memory; the pipeline's batch
    invariance makes the pixels independent of `batch_size`."""
    chunks = []
    for start in range(0, len(z), batch_size):
        part = slice(start, start + batch_size)
        ws = pipe.codes(weights[part], z[part], truncation, layers, directions)
        chunks.append(to_uint8(pipe.generator.synthesis(ws)))
    return torch.cat(chunks)
