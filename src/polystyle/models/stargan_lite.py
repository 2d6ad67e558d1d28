"""`stargan-lite`: the image-to-image translator T(x, s) (StarGAN v2, sized for a CPU).

A content encoder downsamples the input with instance-normalised residual blocks (which strip
the input's own contrast statistics, i.e. much of its style), AdaIN residual blocks driven by
the style code re-inject a style, and a decoder upsamples back, with AdaIN at every level.
Optional additive skips from the encoder keep the layout of the input (where strokes are),
which is what glyph and emoji translation must preserve.

The style code comes from the same machinery as the synthesis models: a learned embedding
per style, mixed by style weights (a label or a blend) or read from images by the style
encoder, then a mapping network with noise z gives one of many codes for that style.

A pixel-unshuffle stem (`stem` = 2, 4 or 8; 1 for none) folds each stem x stem patch of
pixels into channels before the first convolution and a pixel shuffle unfolds the last
layer's channels back into pixels, so no layer runs at full resolution. The folding is
lossless (the patch's pixels are all there, as channels), but it cuts the work per output
pixel by stem**2: full-resolution layers with few channels are memory-bound on a CPU and
dominated translation latency on large photos.

Fully convolutional: any input whose sides are multiples of stem * 2**downsamples works, at any
size.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from polystyle.errors import ConfigError
from polystyle.models.base import ImageSpec
from polystyle.nn.layers import EqualLinear, leaky_relu, rms_normalize
from polystyle.registry import ARCHITECTURES


@dataclass(frozen=True)
class StarGANLiteConfig(ImageSpec):
    z_dim: int = 16
    embedding_dim: int = 64  # the per-style embedding, also what the style encoder outputs
    style_dim: int = 64  # the code the AdaIN layers read
    mapping_layers: int = 3
    width: int = 32  # channels at full resolution; doubled per downsampling
    channel_max: int = 128
    downsamples: int = 3
    res_blocks: int = 4  # AdaIN residual blocks at the bottleneck
    skips: bool = True
    stem: int = 1  # pixel-unshuffle factor: the first level runs at size / stem
    # True: the output is the input plus a learned change whose last layer starts at zero, so
    # training starts from the identity translation instead of from noise.
    residual: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.stem not in (1, 2, 4, 8):
            raise ConfigError(f"model.generator.stem={self.stem}: use 1, 2, 4 or 8")
        if self.downsamples < 1 or self.size // self.stem >> self.downsamples < 2:
            raise ConfigError(
                f"model.generator.downsamples={self.downsamples} does not fit {self.size} px "
                f"with stem {self.stem}; use 1..log2(size / stem) - 1"
            )
        if min(self.width, self.channel_max, self.style_dim, self.embedding_dim, self.z_dim) < 1:
            raise ConfigError("model.generator widths and dimensions must be >= 1")

    def width_at(self, level: int) -> int:
        """Feature channels after `level` downsamplings."""
        return min(self.channel_max, self.width * 2**level)

    @property
    def multiple(self) -> int:
        """Input sides must be multiples of this."""
        return self.stem * 2**self.downsamples


class AdaIN(nn.Module):
    """Instance norm, then a per-channel scale and shift predicted from the style code."""

    def __init__(self, channels: int, style_dim: int) -> None:
        super().__init__()
        self.norm = nn.InstanceNorm2d(channels, affine=False)
        self.affine = nn.Linear(style_dim, channels * 2)
        nn.init.zeros_(self.affine.weight)
        nn.init.zeros_(self.affine.bias)

    def forward(self, x: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.affine(code)[:, :, None, None].chunk(2, dim=1)
        return (1 + gamma) * self.norm(x) + beta


class DownResBlock(nn.Module):
    """Pre-activation residual block with instance norm, halving the resolution."""

    def __init__(self, in_ch: int, out_ch: int) -> None:
        super().__init__()
        self.norm0 = nn.InstanceNorm2d(in_ch, affine=True)
        self.conv0 = nn.Conv2d(in_ch, in_ch, 3, padding=1)
        self.norm1 = nn.InstanceNorm2d(in_ch, affine=True)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.shortcut = nn.Conv2d(in_ch, out_ch, 1, bias=False) if in_ch != out_ch else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv0(leaky_relu(self.norm0(x)))
        h = F.avg_pool2d(h, 2)
        h = self.conv1(leaky_relu(self.norm1(h)))
        s = F.avg_pool2d(self.shortcut(x) if self.shortcut is not None else x, 2)
        return (h + s) / 2**0.5


class AdaINResBlock(nn.Module):
    """Residual block whose norms are AdaIN; `upsample` doubles the resolution first."""

    def __init__(self, in_ch: int, out_ch: int, style_dim: int, upsample: bool) -> None:
        super().__init__()
        self.upsample = upsample
        self.norm0 = AdaIN(in_ch, style_dim)
        self.conv0 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.norm1 = AdaIN(out_ch, style_dim)
        self.conv1 = nn.Conv2d(out_ch, out_ch, 3, padding=1)
        self.shortcut = nn.Conv2d(in_ch, out_ch, 1, bias=False) if in_ch != out_ch else None

    def forward(self, x: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        h = leaky_relu(self.norm0(x, code))
        s = self.shortcut(x) if self.shortcut is not None else x
        if self.upsample:
            h = F.interpolate(h, scale_factor=2.0, mode="nearest")
            s = F.interpolate(s, scale_factor=2.0, mode="nearest")
        h = self.conv1(leaky_relu(self.norm1(self.conv0(h), code)))
        return (h + s) / 2**0.5


@ARCHITECTURES.register("stargan-lite")
class StarGANLite(nn.Module):
    """T(x, code) plus the style-code side: embeddings and the mapping network."""

    Config = StarGANLiteConfig
    kind = "translation"

    def __init__(self, config: StarGANLiteConfig) -> None:
        super().__init__()
        self.config = config
        levels = config.downsamples
        self.embedding = nn.Parameter(torch.randn(config.num_styles, config.embedding_dim))
        mapping, in_dim = [], config.z_dim + config.embedding_dim
        for _ in range(config.mapping_layers):
            mapping.append(EqualLinear(in_dim, config.style_dim, lr_mul=0.01))
            in_dim = config.style_dim
        self.mapping = nn.ModuleList(mapping)
        folded = config.channels * config.stem**2
        self.from_rgb = nn.Conv2d(folded, config.width_at(0), 3, padding=1)
        self.down = nn.ModuleList(
            DownResBlock(config.width_at(i), config.width_at(i + 1)) for i in range(levels)
        )
        bottleneck = config.width_at(levels)
        self.middle = nn.ModuleList(
            AdaINResBlock(bottleneck, bottleneck, config.style_dim, upsample=False)
            for _ in range(config.res_blocks)
        )
        self.up = nn.ModuleList(
            AdaINResBlock(config.width_at(i + 1), config.width_at(i), config.style_dim, True)
            for i in reversed(range(levels))
        )
        self.skips = (
            nn.ModuleList(
                nn.Conv2d(config.width_at(i), config.width_at(i), 1) for i in range(levels)
            )
            if config.skips
            else None
        )
        # Unfolded, neighbouring pixels of different patches come from different feature
        # positions; a 3x3 output kernel lets each patch see its neighbours so seams stay hidden.
        kernel = 1 if config.stem == 1 else 3
        self.to_rgb = nn.Sequential(
            nn.InstanceNorm2d(config.width_at(0), affine=True),
            nn.LeakyReLU(0.2),
            nn.Conv2d(config.width_at(0), folded, kernel, padding=kernel // 2),
        )
        if config.residual:
            nn.init.zeros_(self.to_rgb[-1].weight)
            nn.init.zeros_(self.to_rgb[-1].bias)

    @property
    def embedding_dim(self) -> int:
        return self.config.embedding_dim

    @property
    def z_dim(self) -> int:
        return self.config.z_dim

    def style_embedding(self, style_weights: torch.Tensor) -> torch.Tensor:
        """`B x embedding_dim`: the weighted mix of the learned per-style embeddings."""
        return style_weights @ self.embedding

    def style_code_from_embedding(self, z: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
        """One of many codes (one per z) for the style an embedding names."""
        x = torch.cat([rms_normalize(z), rms_normalize(embedding)], dim=1)
        for layer in self.mapping:
            x = leaky_relu(layer(x))
        return x

    def style_code(self, z: torch.Tensor, style_weights: torch.Tensor) -> torch.Tensor:
        return self.style_code_from_embedding(z, self.style_embedding(style_weights))

    def forward(self, images: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] (sides multiples of `config.multiple`) rendered in the code's style."""
        multiple = self.config.multiple
        if images.shape[-1] % multiple or images.shape[-2] % multiple:
            raise ValueError(
                f"image sides {tuple(images.shape[-2:])} must be multiples of {multiple}; "
                "pad them (TranslationPipeline does)"
            )
        x = self.from_rgb(F.pixel_unshuffle(images, self.config.stem))
        features = []
        for block in self.down:
            features.append(x)
            x = block(x)
        for block in self.middle:
            x = block(x, code)
        for level, block in zip(reversed(range(len(self.up))), self.up, strict=True):
            x = block(x, code)
            if self.skips is not None:
                x = x + self.skips[level](features[level])
        out = F.pixel_shuffle(self.to_rgb(x), self.config.stem)
        return (images + out).clamp(-1, 1) if self.config.residual else torch.tanh(out)
