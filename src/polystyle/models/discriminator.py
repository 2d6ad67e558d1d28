"""The discriminator family: residual downsampling, minibatch-std, a per-style decision.

`head="multi"` gives one logit per style and the label picks it (StarGAN v2); `"projection"`
adds <embed(label), features> to an unconditional logit (Miyato & Koyama). Spectral norm is
optional (R1 is the default regulariser).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from polystyle.errors import ConfigError
from polystyle.models.base import ImageSpec, channel_schedule
from polystyle.nn.layers import EqualConv2d, EqualLinear, MinibatchStd, leaky_relu


@dataclass(frozen=True)
class DiscriminatorConfig(ImageSpec):
    channel_base: int = 2048
    channel_max: int = 128
    head: Literal["multi", "projection"] = "multi"
    spectral_norm: bool = False
    mbstd_group: int = 4
    # The style classifier also names G's styles as their own K classes (loss.style_class_fakes).
    fake_style_classes: bool = False
    # Where each residual block halves the resolution: "after-convs" pools after both 3x3
    # convs; "before-conv1" pools between them, so the second conv runs at the coarser
    # resolution (a quarter of its work), as StyleGAN2's strided second conv does.
    downsample: Literal["after-convs", "before-conv1"] = "after-convs"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.head not in ("multi", "projection"):
            raise ConfigError(f"discriminator.head={self.head!r}; use multi or projection")
        if self.downsample not in ("after-convs", "before-conv1"):
            raise ConfigError(
                f"discriminator.downsample={self.downsample!r}; use after-convs or before-conv1"
            )

    def channels_at(self, resolution: int) -> int:
        return channel_schedule(resolution, self.channel_base, self.channel_max)


class DownBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, pool_before_conv1: bool = False) -> None:
        super().__init__()
        self.conv0 = EqualConv2d(in_ch, in_ch, 3)
        self.conv1 = EqualConv2d(in_ch, out_ch, 3)
        self.skip = EqualConv2d(in_ch, out_ch, 1, bias=False)
        self.pool = nn.AvgPool2d(2)
        self.pool_before_conv1 = pool_before_conv1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = self.skip(self.pool(x))
        x = leaky_relu(self.conv0(x))
        if self.pool_before_conv1:
            x = leaky_relu(self.conv1(self.pool(x)))
        else:
            x = self.pool(leaky_relu(self.conv1(x)))
        return (x + skip) / math.sqrt(2)


def down_blocks(
    size: int, channels_at: Callable[[int], int], pool_before_conv1: bool = False
) -> nn.Sequential:
    """Residual downsampling from `size` to 4 px: the trunk of D and of the style encoder."""
    blocks, resolution = [], size
    while resolution > 4:
        in_ch, out_ch = channels_at(resolution), channels_at(resolution // 2)
        blocks.append(DownBlock(in_ch, out_ch, pool_before_conv1))
        resolution //= 2
    return nn.Sequential(*blocks)


class Discriminator(nn.Module):
    def __init__(self, config: DiscriminatorConfig) -> None:
        super().__init__()
        self.config = config
        self.from_rgb = EqualConv2d(config.channels, config.channels_at(config.size), 1)
        self.blocks = down_blocks(
            config.size, config.channels_at, config.downsample == "before-conv1"
        )
        c4 = config.channels_at(4)
        self.mbstd = MinibatchStd(config.mbstd_group)
        self.conv = EqualConv2d(c4 + 1, c4, 3)
        self.fc = EqualLinear(c4 * 16, c4)
        if config.head == "multi":
            self.out = EqualLinear(c4, config.num_styles)
        else:
            self.out = EqualLinear(c4, 1)
            self.embed = nn.Parameter(torch.randn(config.num_styles, c4) / math.sqrt(c4))
        # Auxiliary style classifier (AC-GAN): trained on real styles, it gives G a direct
        # gradient toward the requested style; used when loss.style_class_weight > 0.
        classes = config.num_styles * (2 if config.fake_style_classes else 1)
        self.style_head = EqualLinear(c4, classes)
        if config.spectral_norm:
            for module in self.modules():
                if isinstance(module, (EqualConv2d, EqualLinear)):
                    spectral_norm(module, name="weight")

    def features(self, images: torch.Tensor) -> torch.Tensor:
        x = leaky_relu(self.from_rgb(images))
        x = self.blocks(x)
        x = leaky_relu(self.conv(self.mbstd(x)))
        return leaky_relu(self.fc(x.flatten(1)))

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """One logit per image, for the style it claims to be."""
        return self.judge(images, labels)[0]

    def judge(
        self, images: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(real/fake logit for the claimed style, style-classifier logits)."""
        h = self.features(images)
        return self.claim_logits(h, labels), self.style_head(h)

    def claim_logits(self, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The real/fake logit of `features` (from `features`) as images of `labels`: one
        feature pass can be judged under several claimed styles."""
        if self.config.head == "multi":
            return self.out(features).gather(1, labels.long()[:, None]).squeeze(1)
        return self.out(features).squeeze(1) + (self.embed[labels.long()] * features).sum(dim=1)
