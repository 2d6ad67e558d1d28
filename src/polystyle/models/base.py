"""What every generator architecture shares: its config fields and the style interface.

A style is given as weights over the known styles, `B x num_styles`: one-hot for a label, a
convex combination for a blend. Every architecture turns those weights into its style code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
from torch import nn

from polystyle.errors import ConfigError
from polystyle.registry import ARCHITECTURES


def channel_schedule(resolution: int, base: int, cap: int) -> int:
    """Feature channels at a resolution: halve per doubling of resolution, within [8, cap]."""
    return max(8, min(cap, base // resolution))


@dataclass(frozen=True)
class ImageSpec:
    """What the images are (shared by generators and discriminators)."""

    size: int = 64
    channels: int = 1
    num_styles: int = 2

    def __post_init__(self) -> None:
        if self.size < 4 or self.size & (self.size - 1):
            raise ConfigError(f"model.size={self.size}; use a power of two (16, 32, 64, ...)")
        if self.channels not in (1, 3):
            raise ConfigError(f"model.channels={self.channels}; use 1 or 3")
        if self.num_styles < 1:
            raise ConfigError(f"model.num_styles={self.num_styles}; need at least one style")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ImageSpec:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ConfigError(
                f"unknown {cls.__name__} key(s) {unknown}; valid keys: {sorted(known)}"
            )
        return cls(**raw)


@dataclass(frozen=True)
class GeneratorConfig(ImageSpec):
    z_dim: int = 64


class StyleGenerator(nn.Module):
    """Base class: images = synthesis(per-layer style codes), codes = style_code(z, weights).

    Splitting the two is what every style control edits: blends and prompts change the
    weights, per-layer mixing gives layers different codes, latent directions move codes.
    An architecture whose layers all share one code has `num_ws = 1`.
    """

    config: GeneratorConfig
    num_ws: int = 1
    kind = "synthesis"

    @property
    def embedding_dim(self) -> int:
        raise NotImplementedError

    def style_embedding(self, style_weights: torch.Tensor) -> torch.Tensor:
        """`B x embedding_dim`: the weighted mix of the learned per-style embeddings."""
        raise NotImplementedError

    def style_code_from_embedding(
        self,
        z: torch.Tensor,
        embedding: torch.Tensor,
        truncation: float = 1.0,
        centre_weights: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """`B x code_dim` from noise and a style embedding (a label's, a blend's or one the
        style encoder read from an image); truncation pulls toward the mean code of the
        styles in `centre_weights`."""
        raise NotImplementedError

    def style_code(
        self, z: torch.Tensor, style_weights: torch.Tensor, truncation: float = 1.0
    ) -> torch.Tensor:
        """`B x code_dim`: the code of each (noise, style weights) pair."""
        return self.style_code_from_embedding(
            z, self.style_embedding(style_weights), truncation, style_weights
        )

    def synthesis(self, ws: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] from per-layer codes `B x num_ws x code_dim`."""
        raise NotImplementedError

    def layer_ws(self, code: torch.Tensor) -> torch.Tensor:
        """Broadcast one code per sample to every layer: `B x num_ws x code_dim`."""
        return code[:, None, :].expand(-1, self.num_ws, -1)

    def forward(
        self, z: torch.Tensor, style_weights: torch.Tensor, truncation: float = 1.0
    ) -> torch.Tensor:
        return self.synthesis(self.layer_ws(self.style_code(z, style_weights, truncation)))

    def track_style_means(
        self, z: torch.Tensor, style_weights: torch.Tensor, labels: torch.Tensor
    ) -> None:
        """Called once per training step; architectures with a truncation centre update it."""

    def layout_parameters(self) -> list[nn.Parameter]:
        """The parameters that set the coarse layout from z alone (none unless the
        architecture has style-free layout layers): `loss.style_class_layout_free` keeps
        G's style-classifier loss off them."""
        return []


def one_hot(labels: torch.Tensor, num_styles: int) -> torch.Tensor:
    return torch.nn.functional.one_hot(labels.long(), num_styles).float()


def build_generator(key: str, config: GeneratorConfig | dict[str, Any]) -> StyleGenerator:
    cls = ARCHITECTURES.get(key)
    if getattr(cls, "kind", "synthesis") != "synthesis":
        raise ConfigError(
            f"model.architecture={key!r} is a {cls.kind} architecture; train it with "
            "`polystyle train DATA --task translate`"
        )
    if isinstance(config, dict):
        config = cls.Config.from_dict(config)
    return cls(config)
