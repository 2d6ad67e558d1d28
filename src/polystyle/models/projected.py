"""A second discriminator that judges images in frozen ImageNet MobileNetV2 features.

Projected GAN (Sauer et al. 2021): a discriminator on pretrained features converges in a
fraction of the images a pixel discriminator needs and covers more of the data, because the
features already tell many shapes apart that a discriminator trained from scratch must first
learn to see. On a 2-core CPU budget of a few thousand steps that is the scarce thing. The
feature network is the one the metrics use (`polystyle.nn.mobilenet_v2`), stopped at stride
16; only the small heads on top learn. Each head is conditioned by projection (Miyato and
Koyama 2018) and spectrally normalised, as in the paper, so it needs no R1.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from polystyle.nn.mobilenet_v2 import stage_maps

STAGES = (3, 6, 13)  # MobileNetV2 blocks ending strides 4, 8 and 16
STAGE_CHANNELS = (24, 32, 96)


def feature_maps(images: torch.Tensor) -> list[torch.Tensor]:
    """Frozen features of images in [-1, 1], in float32 (bf16 autocast slowed the depthwise
    convolutions 1.7x on CPU); gradients reach `images` when they require them."""
    with torch.autocast(images.device.type, enabled=False):
        return stage_maps((images.float() + 1) * 127.5, STAGES)


class _ScaleHead(nn.Module):
    """conv 3x3, conv 3x3 stride 2, mean over locations, a projection-conditioned logit."""

    def __init__(self, channels: int, width: int, num_styles: int) -> None:
        super().__init__()
        self.convs = nn.Sequential(
            spectral_norm(nn.Conv2d(channels, width, 3, padding=1)),
            nn.LeakyReLU(0.2),
            spectral_norm(nn.Conv2d(width, width, 3, stride=2, padding=1)),
            nn.LeakyReLU(0.2),
        )
        self.out = spectral_norm(nn.Linear(width, 1))
        self.embed = spectral_norm(nn.Embedding(num_styles, width))

    def forward(self, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        pooled = self.convs(features).mean(dim=(2, 3))
        return self.out(pooled).squeeze(1) + (self.embed(labels.long()) * pooled).sum(dim=1)


class ProjectedDiscriminator(nn.Module):
    """One real/fake logit per image for the style it claims, summed over three scales."""

    def __init__(self, num_styles: int, width: int = 64) -> None:
        super().__init__()
        self.heads = nn.ModuleList(
            _ScaleHead(channels, width, num_styles) for channels in STAGE_CHANNELS
        )

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.judge_features(feature_maps(images), labels)

    def judge_features(self, maps: list[torch.Tensor], labels: torch.Tensor) -> torch.Tensor:
        """The logits of precomputed `feature_maps`: D's step extracts them without a graph."""
        logits = [head(m.float(), labels) for head, m in zip(self.heads, maps, strict=True)]
        return torch.stack(logits).sum(dim=0)
