"""DiffAugment (Zhao et al. 2020): the same random, differentiable transforms on real and fake
images before the discriminator, so D cannot memorise a small dataset and G still gets
gradients. All randomness comes from the trainer's `torch.Generator` (exact resume).

Ops (registry AUGMENTS): `translation` shifts by up to `ratio` of the size, repeating the
border (white stays white on glyphs); `cutout` zeroes a random square (mid-grey in [-1, 1]);
`color` jitters brightness, saturation (RGB only) and contrast.

With `group` > 1 the samples i, i + B/group, i + 2B/group, ... (one minibatch-std group of the
discriminator) share their transform, so the group's spread is the images' own and not the
augmentation's.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from polystyle.config.run import AugmentSection
from polystyle.errors import ConfigError
from polystyle.registry import AUGMENTS

AugmentOp = Callable[[torch.Tensor, torch.Generator, AugmentSection, int], torch.Tensor]


def _shared(values: torch.Tensor, group: int) -> torch.Tensor:
    """Per-draw values (B/group, ...) repeated so that sample i takes draw i mod B/group."""
    return values.repeat(group, *([1] * (values.dim() - 1)))


def _uniform(
    shape: tuple[int, ...], gen: torch.Generator, device: torch.device, group: int
) -> torch.Tensor:
    draws = (shape[0] // group, *shape[1:])
    return _shared(torch.rand(draws, generator=gen), group).to(device)


def _randint(
    low: int, high: int, batch: int, gen: torch.Generator, device: torch.device, group: int
) -> torch.Tensor:
    draws = torch.randint(low, high, (batch // group, 1, 1), generator=gen)
    return _shared(draws, group).to(device)


@AUGMENTS.register("translation")
def translation(
    x: torch.Tensor, gen: torch.Generator, cfg: AugmentSection, group: int
) -> torch.Tensor:
    batch, channels, height, width = x.shape
    max_y, max_x = (
        int(height * cfg.translation_ratio + 0.5),
        int(width * cfg.translation_ratio + 0.5),
    )
    ty = _randint(-max_y, max_y + 1, batch, gen, x.device, group)
    tx = _randint(-max_x, max_x + 1, batch, gen, x.device, group)
    rows = (torch.arange(height, device=x.device)[None, :, None] - ty).clamp(0, height - 1)
    cols = (torch.arange(width, device=x.device)[None, None, :] - tx).clamp(0, width - 1)
    index = (rows * width + cols).view(batch, 1, height * width).expand(-1, channels, -1)
    return x.flatten(2).gather(2, index).view_as(x)


@AUGMENTS.register("cutout")
def cutout(x: torch.Tensor, gen: torch.Generator, cfg: AugmentSection, group: int) -> torch.Tensor:
    batch, _, height, width = x.shape
    cut_h, cut_w = int(height * cfg.cutout_ratio + 0.5), int(width * cfg.cutout_ratio + 0.5)
    top = _randint(0, height - cut_h + 1, batch, gen, x.device, group)
    left = _randint(0, width - cut_w + 1, batch, gen, x.device, group)
    rows = torch.arange(height, device=x.device)[None, :, None]
    cols = torch.arange(width, device=x.device)[None, None, :]
    inside = (rows >= top) & (rows < top + cut_h) & (cols >= left) & (cols < left + cut_w)
    return x * (~inside).unsqueeze(1).to(x.dtype)


@AUGMENTS.register("color")
def color(x: torch.Tensor, gen: torch.Generator, cfg: AugmentSection, group: int) -> torch.Tensor:
    batch = x.shape[0]
    x = x + (_uniform((batch, 1, 1, 1), gen, x.device, group) - 0.5)
    if x.shape[1] == 3:
        mean = x.mean(dim=1, keepdim=True)
        x = (x - mean) * (_uniform((batch, 1, 1, 1), gen, x.device, group) * 2) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (_uniform((batch, 1, 1, 1), gen, x.device, group) + 0.5) + mean


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

    def __call__(self, x: torch.Tensor, gen: torch.Generator, group: int = 1) -> torch.Tensor:
        if group < 1 or x.shape[0] % group:
            raise ValueError(f"augment group {group} must divide the batch of {x.shape[0]}")
        for op in self.ops:
            x = op(x, gen, self.cfg, group)
        return x


def build_augment(cfg: AugmentSection) -> DiffAugment:
    return DiffAugment(cfg)
