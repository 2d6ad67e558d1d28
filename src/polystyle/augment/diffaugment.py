"""DiffAugment (Zhao et al. 2020): the same random, differentiable transforms on real and fake
images before the discriminator, so D cannot memorise a small dataset and G still gets
gradients. All randomness comes from the trainer's `torch.Generator` (exact resume).

Ops (registry AUGMENTS): `translation` shifts by up to `ratio` of the size, repeating the
border (white stays white on glyphs); `cutout` zeroes a random square (mid-grey in [-1, 1]);
`color` jitters brightness, saturation (RGB only) and contrast.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from polystyle.config.run import AugmentSection
from polystyle.errors import ConfigError
from polystyle.registry import AUGMENTS

AugmentOp = Callable[[torch.Tensor, torch.Generator, AugmentSection], torch.Tensor]


def _uniform(shape: tuple[int, ...], gen: torch.Generator, device: torch.device) -> torch.Tensor:
    return torch.rand(shape, generator=gen).to(device)


@AUGMENTS.register("translation")
def translation(x: torch.Tensor, gen: torch.Generator, cfg: AugmentSection) -> torch.Tensor:
    batch, channels, height, width = x.shape
    max_y, max_x = (
        int(height * cfg.translation_ratio + 0.5),
        int(width * cfg.translation_ratio + 0.5),
    )
    ty = torch.randint(-max_y, max_y + 1, (batch, 1, 1), generator=gen).to(x.device)
    tx = torch.randint(-max_x, max_x + 1, (batch, 1, 1), generator=gen).to(x.device)
    rows = (torch.arange(height, device=x.device)[None, :, None] - ty).clamp(0, height - 1)
    cols = (torch.arange(width, device=x.device)[None, None, :] - tx).clamp(0, width - 1)
    index = (rows * width + cols).view(batch, 1, height * width).expand(-1, channels, -1)
    return x.flatten(2).gather(2, index).view_as(x)


@AUGMENTS.register("cutout")
def cutout(x: torch.Tensor, gen: torch.Generator, cfg: AugmentSection) -> torch.Tensor:
    batch, _, height, width = x.shape
    cut_h, cut_w = int(height * cfg.cutout_ratio + 0.5), int(width * cfg.cutout_ratio + 0.5)
    top = torch.randint(0, height - cut_h + 1, (batch, 1, 1), generator=gen).to(x.device)
    left = torch.randint(0, width - cut_w + 1, (batch, 1, 1), generator=gen).to(x.device)
    rows = torch.arange(height, device=x.device)[None, :, None]
    cols = torch.arange(width, device=x.device)[None, None, :]
    inside = (rows >= top) & (rows < top + cut_h) & (cols >= left) & (cols < left + cut_w)
    return x * (~inside).unsqueeze(1).to(x.dtype)


@AUGMENTS.register("color")
def color(x: torch.Tensor, gen: torch.Generator, cfg: AugmentSection) -> torch.Tensor:
    batch = x.shape[0]
    x = x + (_uniform((batch, 1, 1, 1), gen, x.device) - 0.5)
    if x.shape[1] == 3:
        mean = x.mean(dim=1, keepdim=True)
        x = (x - mean) * (_uniform((batch, 1, 1, 1), gen, x.device) * 2) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (_uniform((batch, 1, 1, 1), gen, x.device) + 0.5) + mean


class DiffAugment:
    def __init__(self, cfg: AugmentSection) -> None:
        names = [n.strip() for n in cfg.policy.split(",") if n.strip()]
        unknown = [n for n in names if n not in AUGMENTS]
        if unknown:
            raise ConfigError(
                f"augment.policy has unknown op(s) {unknown}; valid: {', '.join(AUGMENTS.keys())}"
            )
        self.cfg = cfg
        self.ops: list[AugmentOp] = [AUGMENTS.get(n) for n in names]

    def __bool__(self) -> bool:
        return bool(self.ops)

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        for op in self.ops:
            x = op(x, gen, self.cfg)
        return x


def build_augment(cfg: AugmentSection) -> DiffAugment:
    return DiffAugment(cfg)
