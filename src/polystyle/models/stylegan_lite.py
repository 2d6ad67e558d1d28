"""`stylegan-lite`: mapping network + modulated-conv synthesis with skip RGB outputs.

The style code is w = f(z, e) where e = style_weights @ embedding (a label picks one row, a
blend mixes rows). The synthesis network takes one w per layer (`num_ws`), which is what
per-layer style mixing edits. Truncation pulls w toward the per-style mean code, itself
tracked during training (`update_w_avg`). Sized for CPU: few channels, no noise inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from polystyle.errors import ConfigError
from polystyle.models.base import GeneratorConfig, StyleGenerator, channel_schedule
from polystyle.nn.layers import (
    LRELU_GAIN,
    EqualLinear,
    ModulatedConv2d,
    leaky_relu,
    rms_normalize,
    upsample2x,
)
from polystyle.registry import ARCHITECTURES


@dataclass(frozen=True)
class StyleGANLiteConfig(GeneratorConfig):
    w_dim: int = 128
    mapping_layers: int = 4
    mapping_lr_mul: float = 0.01
    # "const": StyleGAN's learned 4x4 constant; "mapped": the 4x4 input is a projection of
    # w, so z and the style set the coarse layout from the first step (converges faster on
    # small CPU budgets).
    input: str = "mapped"
    # "activation": scale activations, one dense conv (fast on CPU); "grouped": StyleGAN2's
    # per-sample weights with a grouped conv (same maths; the benchmark baseline).
    modulation: str = "activation"
    # "tanh" squashes the summed RGB into [-1, 1]: a white background is then a saturated
    # output G reaches at once rather than a value it must hit exactly.
    output: str = "linear"
    # True: StyleGAN2's skip generator (every resolution adds its own RGB). False: only the
    # last block draws RGB, so the finest layers shape the image from the first step.
    rgb_skips: bool = True
    # Layers at or below this resolution take a code mapped from z with no style (a zero
    # embedding): the coarse layout is then the noise's alone and shared by every style, as a
    # character's layout is shared by every font; 0 = every layer sees the style.
    layout_resolution: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.input not in ("const", "mapped"):
            raise ConfigError(f"model.generator.input={self.input!r}; use const or mapped")
        if self.modulation not in ("activation", "grouped"):
            raise ConfigError(
                f"model.generator.modulation={self.modulation!r}; use activation or grouped"
            )
        if self.output not in ("linear", "tanh"):
            raise ConfigError(f"model.generator.output={self.output!r}; use linear or tanh")
        if self.layout_resolution not in (0, *(2**k for k in range(2, 11))):
            raise ConfigError(
                f"model.generator.layout_resolution={self.layout_resolution}; use 0 or a "
                "power of two from 4"
            )

    channel_base: int = 2048
    channel_max: int = 128
    w_avg_beta: float = 0.995

    def channels_at(self, resolution: int) -> int:
        return channel_schedule(resolution, self.channel_base, self.channel_max)


class MappingNetwork(nn.Module):
    def __init__(self, config: StyleGANLiteConfig) -> None:
        super().__init__()
        self.embedding = nn.Parameter(torch.randn(config.num_styles, config.w_dim))
        layers = []
        in_dim = config.z_dim + config.w_dim
        for _ in range(config.mapping_layers):
            layers.append(EqualLinear(in_dim, config.w_dim, lr_mul=config.mapping_lr_mul))
            in_dim = config.w_dim
        self.layers = nn.ModuleList(layers)

    def forward(self, z: torch.Tensor, style_weights: torch.Tensor) -> torch.Tensor:
        return self.from_embedding(z, style_weights @ self.embedding)

    def from_embedding(self, z: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
        x = torch.cat([rms_normalize(z), rms_normalize(embedding)], dim=1)
        for layer in self.layers:
            x = leaky_relu(layer(x))
        return x


class SynthesisBlock(nn.Module):
    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        img_channels: int,
        w_dim: int,
        first: bool,
        grouped: bool,
        draws_rgb: bool = True,
    ) -> None:
        super().__init__()
        self.first = first
        gain = LRELU_GAIN  # folded into the convs; the blocks apply a plain LeakyReLU
        self.conv0 = (
            None
            if first
            else ModulatedConv2d(
                in_ch, out_ch, 3, w_dim, grouped=grouped, activation_gain=gain, upsample=True
            )
        )
        self.conv1 = ModulatedConv2d(
            out_ch if not first else in_ch,
            out_ch,
            3,
            w_dim,
            grouped=grouped,
            activation_gain=gain,
        )
        self.to_rgb = (
            ModulatedConv2d(out_ch, img_channels, 1, w_dim, demodulate=False, grouped=grouped)
            if draws_rgb
            else None
        )
        self.num_ws = 2 if first else 3

    def forward(
        self, x: torch.Tensor, rgb: torch.Tensor | None, ws: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        index = 0
        if self.conv0 is not None:
            x = F.leaky_relu(self.conv0(x, ws[:, index]), 0.2)
            index += 1
        x = F.leaky_relu(self.conv1(x, ws[:, index]), 0.2)
        if self.to_rgb is None:
            return x, rgb
        y = self.to_rgb(x, ws[:, index + 1])
        rgb = y if rgb is None else upsample2x(rgb) + y
        return x, rgb


@ARCHITECTURES.register("stylegan-lite")
class StyleGANLite(StyleGenerator):
    Config = StyleGANLiteConfig

    def __init__(self, config: StyleGANLiteConfig) -> None:
        super().__init__()
        self.config = config
        self.mapping = MappingNetwork(config)
        c4 = config.channels_at(4)
        if config.input == "const":
            self.const = nn.Parameter(torch.randn(c4, 4, 4))
        else:
            self.project = EqualLinear(config.w_dim, c4 * 16)
        blocks = []
        last_level = int(math.log2(config.size))
        for level in range(2, last_level + 1):
            resolution = 2**level
            in_ch = config.channels_at(max(4, resolution // 2))
            out_ch = config.channels_at(resolution)
            blocks.append(
                SynthesisBlock(
                    in_ch,
                    out_ch,
                    config.channels,
                    config.w_dim,
                    first=level == 2,
                    grouped=config.modulation == "grouped",
                    draws_rgb=config.rgb_skips or level == last_level,
                )
            )
        self.blocks = nn.ModuleList(blocks)
        self.num_ws = sum(block.num_ws for block in blocks) - (len(blocks) - 1)
        self.layout_ws = sum(r <= config.layout_resolution for r in self.layer_resolutions())
        code_dim = config.w_dim * (2 if self.layout_ws else 1)
        self.register_buffer("w_avg", torch.zeros(config.num_styles, code_dim))

    def truncate(self, w: torch.Tensor, centre_weights: torch.Tensor, psi: float) -> torch.Tensor:
        if psi == 1.0:
            return w
        centre = centre_weights @ self.w_avg
        return centre + psi * (w - centre)

    @torch.no_grad()
    def track_style_means(
        self, z: torch.Tensor, style_weights: torch.Tensor, labels: torch.Tensor
    ) -> None:
        self.update_w_avg(self.code(z, self.style_embedding(style_weights)), labels)

    @torch.no_grad()
    def update_w_avg(self, w: torch.Tensor, labels: torch.Tensor) -> None:
        beta = self.config.w_avg_beta
        w = w.float()  # bf16 under autocast; the tracked means stay fp32
        for style in labels.unique():
            mean = w[labels == style].mean(dim=0)
            self.w_avg[style].lerp_(mean, 1 - beta)

    def synthesis(self, ws: torch.Tensor) -> torch.Tensor:
        """Images from per-layer codes. Consecutive blocks share the w at their seam (the
        previous block's to_rgb and the next block's first conv), as in StyleGAN2."""
        if self.config.input == "const":
            x = self.const[None].expand(ws.shape[0], -1, -1, -1)
        else:
            x = self.project(ws[:, 0]).view(ws.shape[0], -1, 4, 4)
        rgb = None
        index = 0
        for block in self.blocks:
            x, rgb = block(x, rgb, ws[:, index : index + block.num_ws])
            index += block.num_ws - 1
        assert rgb is not None
        return torch.tanh(rgb) if self.config.output == "tanh" else rgb

    @property
    def embedding_dim(self) -> int:
        return self.config.w_dim

    def style_embedding(self, style_weights: torch.Tensor) -> torch.Tensor:
        return style_weights @ self.mapping.embedding

    def style_code_from_embedding(
        self,
        z: torch.Tensor,
        embedding: torch.Tensor,
        truncation: float = 1.0,
        centre_weights: torch.Tensor | None = None,
    ) -> torch.Tensor:
        w = self.code(z, embedding)
        if truncation != 1.0 and centre_weights is None:
            raise ValueError("truncation needs centre_weights (the styles to pull toward)")
        return w if truncation == 1.0 else self.truncate(w, centre_weights, truncation)

    def code(self, z: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
        """w, or [w, w_layout] when coarse layers draw from z alone (`layout_resolution`):
        one vector per sample, so truncation, blends and directions treat it as one code."""
        w = self.mapping.from_embedding(z, embedding)
        if not self.layout_ws:
            return w
        return torch.cat([w, self.mapping.from_embedding(z, torch.zeros_like(embedding))], 1)

    def layer_ws(self, code: torch.Tensor) -> torch.Tensor:
        if not self.layout_ws:
            return super().layer_ws(code)
        styled, layout = code.split(self.config.w_dim, dim=1)
        coarse = layout[:, None, :].expand(-1, self.layout_ws, -1)
        fine = styled[:, None, :].expand(-1, self.num_ws - self.layout_ws, -1)
        return torch.cat([coarse, fine], dim=1)

    def layout_parameters(self) -> list[nn.Parameter]:
        """The mapping layers (they also map z to the layout code), the 4x4 input and the
        blocks at or below `layout_resolution`; not the style embedding, which the layout
        code never sees."""
        if not self.layout_ws:
            return []
        params = [*self.mapping.layers.parameters()]
        params += [self.const] if self.config.input == "const" else [*self.project.parameters()]
        for resolution, block in zip(self.block_resolutions(), self.blocks, strict=True):
            if resolution <= self.config.layout_resolution:
                params += block.parameters()
        return params

    def block_resolutions(self) -> list[int]:
        return [4 * 2**i for i in range(len(self.blocks))]

    def layer_resolutions(self) -> list[int]:
        """The resolution each per-layer code acts on; a code shared at a block seam (to_rgb of
        one block, first conv of the next) is counted with the coarser block."""
        resolutions = []
        for i, (resolution, block) in enumerate(
            zip(self.block_resolutions(), self.blocks, strict=True)
        ):
            count = block.num_ws if i == 0 else block.num_ws - 1
            resolutions += [resolution] * count
        return resolutions
