"""`SynthesisPipeline`: noise + style -> images, from a model folder.

    pipe = SynthesisPipeline.from_pretrained("runs/<id>/model")
    out = pipe(style="kai", seeds=range(16), truncation=0.7)
    out.images[0].save("kai-0.png"); out.tensor.shape  # (16, C, H, W) uint8
    pipe(style={"kai": 0.7, "hei": 0.3}, seeds=[5])        # a blend (weights are normalised)
    pipe(prompt="flowing cursive brush", seeds=[5])        # text -> weights (out.prompt shows them)
    pipe(style="kai", layers="0-3:kai,4-:hei", seeds=[5])  # per-layer mixing
    pipe(style="kai", directions={0: 1.5}, seeds=[5])       # a latent-direction slider
    pipe(reference="my_glyph.png", seeds=[5])               # the style of an image

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
from polystyle.models.encoder import StyleEncoder
from polystyle.models.folder import load_encoder, load_generator
from polystyle.sampling.images import to_pil, to_uint8
from polystyle.sampling.seeds import z_from_seeds
from polystyle.styles.codes import StyleSpec, format_blend, parse_layers, style_weights
from polystyle.styles.directions import LatentDirections, find_directions
from polystyle.styles.prompt import PromptMatch, match_prompt, style_descriptions
from polystyle.styles.reference import (
    REFERENCE_CODES,
    Reference,
    encode_references,
    reference_pixels,
)

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
    def __init__(
        self,
        generator: StyleGenerator,
        meta: dict,
        device: torch.device,
        encoder: StyleEncoder | None = None,
    ) -> None:
        self.generator = generator
        self.meta = meta
        self.device = device
        self.encoder = encoder
        self.style_names = [s["name"] for s in meta["styles"]]

    @classmethod
    def from_pretrained(cls, path: str | Path, device: str = "auto") -> SynthesisPipeline:
        torch_device = pick_device(device)
        generator, meta = load_generator(Path(path), torch_device)
        return cls(generator, meta, torch_device, load_encoder(Path(path), torch_device))

    def encode_reference(
        self, references: Sequence[Reference], code: str = "blend"
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Reference images -> (style embeddings, probabilities over the known styles).

        `code="blend"` (the default) draws the blend of known styles the encoder recognises
        (its class probabilities): a short run's encoder classifies far better than it
        regresses embeddings, and on the 5-minute demo model this lifted reference accuracy
        from 0.53 to 0.69 (BENCHMARKS.md). `code="encoder"` uses the regressed embedding
        itself, which can leave the known styles' mixtures (a font the model never saw)."""
        if code not in REFERENCE_CODES:
            raise ConfigError(f"reference code {code!r}: use {' or '.join(REFERENCE_CODES)}")
        if self.encoder is None:
            raise ConfigError(
                "--reference: this model has no style encoder (trained with "
                "loss.style_reconstruction_weight=0, or before encoders existed); retrain it"
            )
        image = self.meta["image"]
        pixels = torch.stack(
            [reference_pixels(r, image["size"], image["channels"]) for r in references]
        )
        embedding, probabilities = encode_references(self.encoder, pixels)
        if code == "blend":
            with torch.no_grad():
                embedding = self.generator.style_embedding(probabilities)
        return embedding, probabilities

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
        embedding: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Per-layer style codes `N x num_ws x code_dim` for noise `z` and base `weights`
        (or a base `embedding` from reference images, with `weights` as truncation centre)."""
        if not 0.0 <= truncation <= 1.0:
            raise ConfigError(f"--truncation {truncation}: use a value in [0, 1]")
        g = self.generator
        z, weights = z.to(self.device), weights.to(self.device)
        if embedding is None:
            base = g.style_code(z, weights, truncation)
        else:
            base = g.style_code_from_embedding(z, embedding.to(self.device), truncation, weights)
        ws = g.layer_ws(base).clone()
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
        reference: Reference | Sequence[Reference] | None = None,
        reference_code: str = "blend",
    ) -> SynthesisOutput:
        """One image per seed. The style is one of: `style` (one spec for all seeds or one
        per seed), `prompt` (weights from a text, see `SynthesisOutput.prompt`), or
        `reference` (one image for all seeds or one per seed, read by the style encoder;
        `reference_code` as in `encode_reference`)."""
        seeds = [int(s) for s in seeds]
        given = [
            name
            for name, v in (("style", style), ("prompt", prompt), ("reference", reference))
            if v is not None
        ]
        if len(given) != 1:
            raise ConfigError(
                "name the style one way: --style (e.g. kai), --prompt or --reference"
                + (f", not {' and '.join(given)}" if given else "")
            )
        match, embedding = None, None
        if prompt is not None:
            match = self.match_prompt(prompt, temperature)
            style = match.weights
        if reference is not None:
            references = list(reference) if isinstance(reference, list | tuple) else [reference]
            if len(references) not in (1, len(seeds)):
                raise ConfigError(f"{len(references)} references for {len(seeds)} seeds")
            embedding, weights = self.encode_reference(references, reference_code)
            embedding = embedding.expand(len(seeds), -1)
            weights = weights.expand(len(seeds), -1)
            names = ["reference"] * len(seeds)
        else:
            specs = [style] * len(seeds) if isinstance(style, str | Mapping) else list(style)
            if len(specs) != len(seeds):
                raise ConfigError(f"{len(specs)} styles for {len(seeds)} seeds; give one per seed")
            weights = torch.stack([self.style_weights(s) for s in specs])
            names = [format_blend(w, self.style_names) for w in weights]
        z = z_from_seeds(seeds, self.generator.config.z_dim)
        chunks = []
        for start in range(0, len(seeds), batch_size):
            part = slice(start, start + batch_size)
            base = None if embedding is None else embedding[part]
            ws = self.codes(weights[part], z[part], truncation, layers, directions, base)
            chunks.append(to_uint8(self.generator.synthesis(ws)))
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

    def shared_seed_samples(
        self, count: int, seed: int = 0, truncation: float = 1.0
    ) -> torch.Tensor:
        """Seeds `seed` .. `seed + count - 1` drawn in every style: uint8 [styles, count, C, H,
        W], item i of each style from one noise vector. Evaluation reads from it whether a
        seed keeps its content when only the style changes."""
        seeds = range(seed, seed + count)
        return torch.stack([self(name, seeds, truncation).tensor for name in self.style_names])
