"""`dcgan`: the seeds' baseline, conditioned by a learned style embedding concatenated to z.

Transposed convolutions from 4x4 up to the target size with batch norm. Truncation scales z
toward 0 (the mode of its prior).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from polystyle.models.base import GeneratorConfig, StyleGenerator
from polystyle.registry import ARCHITECTURES


@dataclass(frozen=True)
class DCGANConfig(GeneratorConfig):
    embed_dim: int = 32
    width: int = 32  # channels at the final resolution; doubles per halving, capped
    channel_max: int = 256


@ARCHITECTURES.register("dcgan")
class DCGAN(StyleGenerator):
    Config = DCGANConfig

    def __init__(self, config: DCGANConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Parameter(torch.randn(config.num_styles, config.embed_dim))
        levels = int(math.log2(config.size)) - 2
        widths = [
            min(config.channel_max, config.width * 2 ** (levels - i)) for i in range(levels + 1)
        ]
        self.project = nn.Sequential(
            nn.ConvTranspose2d(config.z_dim + config.embed_dim, widths[0], 4, 1, 0, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(inplace=True),
        )
        ups: list[nn.Module] = []
        for i in range(levels):
            ups += [
                nn.ConvTranspose2d(widths[i], widths[i + 1], 4, 2, 1, bias=False),
                nn.BatchNorm2d(widths[i + 1]),
                nn.ReLU(inplace=True),
            ]
        self.ups = nn.Sequential(*ups)
        self.to_image = nn.Conv2d(widths[-1], config.channels, 3, padding=1)

    @property
    def embedding_dim(self) -> int:
        return self.config.embed_dim

    def style_embedding(self, style_weights: torch.Tensor) -> torch.Tensor:
        return style_weights @ self.embedding

    def style_code_from_embedding(
        self,
        z: torch.Tensor,
        embedding: torch.Tensor,
        truncation: float = 1.0,
        centre_weights: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Noise and style embedding side by side: one code for every layer. Truncation
        scales the noise (the embedding is the style's centre already)."""
        return torch.cat([z * truncation, embedding], dim=1)

    def synthesis(self, ws: torch.Tensor) -> torch.Tensor:
        x = self.project(ws[:, 0, :, None, None])
        return torch.tanh(self.to_image(self.ups(x)))
