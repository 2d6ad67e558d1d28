"""`SynthesisPipeline`: noise + style -> images, from a model folder.

    pipe = SynthesisPipeline.from_pretrained("runs/<id>/model")
    out = pipe(style="kai", seeds=range(16), truncation=0.7)
    out.images[0].save("kai-0.png"); out.tensor.shape  # (16, C, H, W) uint8
    pipe(style={"kai": 0.7, "hei": 0.3}, seeds=[5])        # a blend (weights are normalised)
    pipe(prompt="flowing cursive brush", seeds=[5])        # text -> weights (out.prompt shows them)
    pipe(style="kai", layers="0-3:kai,4-:hei", seeds=[5])  # per-layer mixing
    pipe(style="kai", directions={0: 1.5}, seeds=[5])       # a latent-direction slider

Every control becomes style weights, then per-layer style codes, so they compose. Same
inputs, same pixels, in any batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import torch
from PIL import Image

from polystyle.devices import pick_device
from polystyle.errors import ConfigError
from polystyle.models.base import StyleGenerator
from polystyle.models.folder import load_generator
from polystyle.sampling.images import to_pil, to_uint8
from polystyle.sampling.seeds import z_from_seeds
from polystyle.styles.codes import StyleSpec, format_blend, parse_layers, style_weights
from polystyle.styles.directions import LatentDirections, find_directions
from polystyle.styles.prompt import PromptMatch, match_prompt, style_descriptions

LayerSpec = str | Sequence[tuple[Iterable[int], StyleSpec]]


@dataclass
class SynthesisOutput:
    tensor: torch.Tensor  # uint8 N x C x H x W
    seeds: list[int]
    styles: list[str]
    prompt: PromptMatch | None = None

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
        return style_weights(style, self.style_names)

    def match_prompt(self, prompt: str, temperature: float = 0.1) -> PromptMatch:
        return match_prompt(prompt, style_descriptions(self.meta), temperature)

    @cached_property
    def directions(self) -> LatentDirections:
        """The model's principal latent directions (computed once, from seeded samples)."""
        return find_directions(self.generator, len(self.style_names))

    def layer_groups(self, layers: LayerSpec | None) -> list[tuple[list[int], torch.Tensor]]:
        """Per-layer mixing groups as (layer indices, style weights)."""
        if not layers:
            return []
        num_ws = self.generator.num_ws
        if num_ws == 1:
            raise ConfigError(
                f"--layers: the {self.meta['architecture']} architecture has a single style "
                "code for all layers; per-layer mixing needs stylegan-lite"
            )
        groups = parse_layers(layers, num_ws) if isinstance(layers, str) else layers
        out = []
        for indices, spec in groups:
            indices = list(indices)
            if not indices or min(indices) < 0 or max(indices) >= num_ws:
                raise ConfigError(f"--layers: layer numbers must lie in 0..{num_ws - 1}")
            out.append((indices, self.style_weights(spec)))
        return out

    @torch.no_grad()
    def codes(
        self,
        weights: torch.Tensor,
        z: torch.Tensor,
        truncation: float = 1.0,
        layers: LayerSpec | None = None,
        directions: Mapping[int, float] | None = None,
    ) -> torch.Tensor:
        """Per-layer style codes `N x num_ws x code_dim` for noise `z` and base `weights`."""
        if not 0.0 <= truncation <= 1.0:
            raise ConfigError(f"--truncation {truncation}: use a value in [0, 1]")
        g = self.generator
        z, weights = z.to(self.device), weights.to(self.device)
        ws = g.layer_ws(g.style_code(z, weights, truncation)).clone()
        for indices, group_weights in self.layer_groups(layers):
            group = group_weights.to(self.device).expand(len(z), -1)
            ws[:, indices] = g.style_code(z, group, truncation)[:, None]
        if directions:
            ws = ws + self.directions.offset(directions).to(self.device)
        return ws

    @torch.no_grad()
    def __call__(
        self,
        style: StyleSpec | Iterable[StyleSpec] | None = None,
        seeds: Iterable[int] = range(8),
        truncation: float = 1.0,
        batch_size: int = 64,
        *,
        prompt: str | None = None,
        temperature: float = 0.1,
        layers: LayerSpec | None = None,
        directions: Mapping[int, float] | None = None,
    ) -> SynthesisOutput:
        """One image per seed. `style` is one spec for all seeds or one per seed; `prompt`
        replaces it with weights from a text (see `SynthesisOutput.prompt`)."""
        seeds = [int(s) for s in seeds]
        match = None
        if prompt is not None:
            if style is not None:
                raise ConfigError("give a style or a prompt, not both")
            match = self.match_prompt(prompt, temperature)
            style = match.weights
        if style is None:
            raise ConfigError("name a style (e.g. --style kai) or give a --prompt")
        specs = [style] * len(seeds) if isinstance(style, str | Mapping) else list(style)
        if len(specs) != len(seeds):
            raise ConfigError(f"{len(specs)} styles for {len(seeds)} seeds; give one per seed")
        weights = torch.stack([self.style_weights(s) for s in specs])
        z = z_from_seeds(seeds, self.generator.config.z_dim)
        chunks = []
        for start in range(0, len(seeds), batch_size):
            part = slice(start, start + batch_size)
            ws = self.codes(weights[part], z[part], truncation, layers, directions)
            chunks.append(to_uint8(self.generator.synthesis(ws)))
        names = [format_blend(w, self.style_names) for w in weights]
        return SynthesisOutput(torch.cat(chunks), seeds, names, match)

    def per_style_samples(
        self, per_style: int, seed: int = 0, truncation: float = 1.0
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """`per_style` images of every style, seeds disjoint across styles (so no two styles
        share a noise vector); returns uint8 images and their style ids. Used by evaluation."""
        images, labels = [], []
        for i, name in enumerate(self.style_names):
            first = seed + i * per_style
            images.append(self(name, range(first, first + per_style), truncation).tensor)
            labels.append(torch.full((per_style,), i, dtype=torch.long))
        return torch.cat(images), torch.cat(labels)
