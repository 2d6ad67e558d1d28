"""`SynthesisPipeline`: noise + style -> images, from a model folder.

    pipe = SynthesisPipeline.from_pretrained("runs/<id>/model")
    out = pipe(style="kai", seeds=range(16), truncation=0.7)
    out.images[0].save("kai-0.png"); out.tensor.shape  # (16, C, H, W) uint8

A style is a name, or a blend `{"kai": 0.7, "hei": 0.3}` / `"kai=0.7,hei=0.3"` (weights are
normalised). Same seed and style, same image, in any batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image

from polystyle.devices import pick_device
from polystyle.errors import ConfigError
from polystyle.models.base import StyleGenerator
from polystyle.models.folder import load_generator
from polystyle.sampling.images import to_pil, to_uint8
from polystyle.sampling.seeds import z_from_seeds

StyleSpec = str | Mapping[str, float]


@dataclass
class SynthesisOutput:
    tensor: torch.Tensor  # uint8 N x C x H x W
    seeds: list[int]
    styles: list[str]

    @property
    def images(self) -> list[Image.Image]:
        return [to_pil(image) for image in self.tensor]


class SynthesisPipeline:
    def __init__(self, generator: StyleGenerator, meta: dict, device: torch.device) -> None:
        self.generator = generator
        self.meta = meta
        self.device = device
        self.style_names = [s["name"] for s in meta["styles"]]

    @classmethod
    def from_pretrained(cls, path: str | Path, device: str = "auto") -> SynthesisPipeline:
        torch_device = pick_device(device)
        generator, meta = load_generator(Path(path), torch_device)
        return cls(generator, meta, torch_device)

    def style_weights(self, style: StyleSpec) -> torch.Tensor:
        """A name or a blend -> weights over the model's styles (sum 1)."""
        if isinstance(style, str) and "=" in style:
            style = _parse_blend(style)
        if isinstance(style, str):
            return torch.eye(len(self.style_names))[self._index(style)]
        weights = torch.zeros(len(self.style_names))
        for name, weight in style.items():
            if weight < 0:
                raise ConfigError(f"style weight {name}={weight} is negative; use weights >= 0")
            weights[self._index(name)] += float(weight)
        if weights.sum() <= 0:
            raise ConfigError("style blend weights sum to 0; give at least one positive weight")
        return weights / weights.sum()

    def _index(self, name: str) -> int:
        if name not in self.style_names:
            raise ConfigError(
                f"unknown style {name!r}; this model has: {', '.join(self.style_names)}"
            )
        return self.style_names.index(name)

    @torch.no_grad()
    def __call__(
        self,
        style: StyleSpec | Iterable[StyleSpec],
        seeds: Iterable[int] = range(8),
        truncation: float = 1.0,
        batch_size: int = 64,
    ) -> SynthesisOutput:
        """One image per seed; `style` is one spec for all seeds, or one spec per seed."""
        seeds = [int(s) for s in seeds]
        specs = [style] * len(seeds) if isinstance(style, str | Mapping) else list(style)
        if len(specs) != len(seeds):
            raise ConfigError(f"{len(specs)} styles for {len(seeds)} seeds; give one per seed")
        if not 0.0 <= truncation <= 1.0:
            raise ConfigError(f"--truncation {truncation}: use a value in [0, 1]")
        weights = torch.stack([self.style_weights(s) for s in specs])
        z = z_from_seeds(seeds, self.generator.config.z_dim)
        chunks = []
        for start in range(0, len(seeds), batch_size):
            part = slice(start, start + batch_size)
            images = self.generator(
                z[part].to(self.device), weights[part].to(self.device), truncation=truncation
            )
            chunks.append(to_uint8(images))
        names = [s if isinstance(s, str) else _format_blend(s) for s in specs]
        return SynthesisOutput(torch.cat(chunks), seeds, names)


def _parse_blend(text: str) -> dict[str, float]:
    blend: dict[str, float] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        try:
            blend[name.strip()] = float(value)
        except ValueError as exc:
            raise ConfigError(f"style blend {text!r}: use name=weight,name=weight") from exc
        if not sep:
            raise ConfigError(f"style blend {text!r}: use name=weight,name=weight")
    return blend


def _format_blend(blend: Mapping[str, float]) -> str:
    return ",".join(f"{k}={v:g}" for k, v in blend.items())
