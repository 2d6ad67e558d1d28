"""Style specs -> weights over a model's styles, and per-layer assignments of them.

A spec is a style name (`"kai"`), a blend (`{"kai": 0.7, "hei": 0.3}` or the CLI form
`"kai=0.7,hei=0.3"`), or an explicit weight vector. Every control (blends, prompts, layers)
ends in these weights, which the generator maps to style codes; validating them in one place
gives every entry point the same errors.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch

from polystyle.errors import ConfigError

StyleSpec = str | Mapping[str, float]


def parse_blend(text: str) -> dict[str, float]:
    """`"kai=0.7,hei=0.3"` -> `{"kai": 0.7, "hei": 0.3}`."""
    blend: dict[str, float] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        try:
            weight = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise ConfigError(
                f"style blend {text!r}: write name=weight pairs separated by commas, "
                "e.g. kai=0.7,hei=0.3"
            )
        blend[name.strip()] = blend.get(name.strip(), 0.0) + weight
    return blend


def style_weights(spec: StyleSpec, style_names: Sequence[str]) -> torch.Tensor:
    """A name or a blend -> weights over `style_names`: known names, >= 0, normalised to 1."""
    if isinstance(spec, str) and "=" in spec:
        spec = parse_blend(spec)
    if isinstance(spec, str):
        return torch.eye(len(style_names))[_index(spec, style_names)]
    weights = torch.zeros(len(style_names))
    for name, weight in spec.items():
        if not math.isfinite(weight) or weight < 0:
            raise ConfigError(f"style weight {name}={weight}: use finite weights >= 0")
        weights[_index(name, style_names)] += float(weight)
    if weights.sum() <= 0:
        raise ConfigError("the style weights sum to 0; give at least one positive weight")
    return weights / weights.sum()


def format_blend(weights: torch.Tensor, style_names: Sequence[str]) -> str:
    """The inverse of `style_weights` for display: `kai` or `kai=0.7,hei=0.3`."""
    nonzero = [(n, float(w)) for n, w in zip(style_names, weights, strict=True) if w > 0]
    if len(nonzero) == 1:
        return nonzero[0][0]
    return ",".join(f"{n}={w:.3g}" for n, w in nonzero)


def _index(name: str, style_names: Sequence[str]) -> int:
    if name not in style_names:
        raise ConfigError(f"unknown style {name!r}; this model has: {', '.join(style_names)}")
    return list(style_names).index(name)


def parse_layers(text: str, num_ws: int) -> list[tuple[range, str]]:
    """`"0-3:kai,4-:hei=0.5,sosho=0.5"` -> [(range(0, 4), "kai"), (range(4, num_ws), ...)].

    Groups are separated by commas before a `N-M:` / `N-:` / `N:` range; a spec may itself be
    a blend (its commas stay with it). Ranges are inclusive, must lie in [0, num_ws) and must
    not overlap; layers no group names keep the base style.
    """
    groups: list[tuple[range, str]] = []
    for chunk in _layer_chunks(text):
        span, _, spec = chunk.partition(":")
        first, dash, last = span.partition("-")
        try:
            start = int(first)
            stop = (int(last) if last.strip() else num_ws - 1) if dash else start
        except ValueError:
            stop = start = -1
        if not spec.strip() or not 0 <= start <= stop < num_ws:
            raise ConfigError(
                f"--layers {text!r}: write groups like 0-3:kai,4-:hei with layer numbers in "
                f"0..{num_ws - 1} (this model has {num_ws} style layers)"
            )
        groups.append((range(start, stop + 1), spec.strip()))
    taken: set[int] = set()
    for layers, _ in groups:
        if taken & set(layers):
            raise ConfigError(f"--layers {text!r}: layer groups overlap")
        taken |= set(layers)
    return groups


def _layer_chunks(text: str) -> list[str]:
    """Split at commas that start a new `range:` group, keeping blend commas inside a spec."""
    chunks: list[str] = []
    for part in text.split(","):
        head = part.partition(":")[0].strip()
        starts_group = ":" in part and head.replace("-", "").isdigit()
        if starts_group or not chunks:
            chunks.append(part)
        else:
            chunks[-1] += "," + part
    return chunks
