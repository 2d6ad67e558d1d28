"""The style encoder E(x): an image -> a style embedding the generator consumes, plus logits.

Trained with the generator (StarGAN v2's style reconstruction): E(G(z, s)) must give back the
embedding of s, and on real images its logits must name the style. A user's image, even of a
style the model never saw, then yields an embedding (`--reference my_glyph.png`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from polystyle.models.base import ImageSpec, channel_schedule
from polystyle.models.discriminator import down_blocks
from polystyle.nn.layers import EqualConv2d, EqualLinear, leaky_relu


@dataclass(frozen=True)
class StyleEncoderConfig(ImageSpec):
    embedding_dim: int = 128
    channel_base: int = 512
    channel_max: int = 64

    def channels_at(self, resolution: int) -> int:
        return channel_schedule(resolution, self.channel_base, self.channel_max)


class StyleEncoder(nn.Module):
    def __init__(self, config: StyleEncoderConfig) -> None:
        super().__init__()
        self.config = config
        self.from_rgb = EqualConv2d(config.channels, config.channels_at(config.size), 1)
        self.blocks = down_blocks(config.size, config.channels_at)
        c4 = config.channels_at(4)
        self.fc = EqualLinear(c4 * 16, c4)
        self.embedding = EqualLinear(c4, config.embedding_dim)
        self.classify = EqualLinear(c4, config.num_styles)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Images in [-1, 1] -> (style embedding, style logits)."""
        x = self.blocks(leaky_relu(self.from_rgb(images)))
        h = leaky_relu(self.fc(x.flatten(1)))
        return self.embedding(h), self.classify(h)
