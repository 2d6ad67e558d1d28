"""A perceptual loss for paired translation, in frozen ImageNet MobileNetV2 features.

LPIPS-style (unit-normalised activations, squared distance, averaged over locations and
stages) but uncalibrated: no learned per-channel weights. It rewards matching stroke shapes
and textures where plain L1 rewards matching blurry averages.
"""

from __future__ import annotations

import torch

from polystyle.nn.mobilenet_v2 import stage_maps


def perceptual_distance(images: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean over the batch; images in [-1, 1], gradients flow to `images` only."""
    both = (torch.cat([images, targets.detach()]) + 1) * 127.5
    total = images.new_zeros(())
    maps = stage_maps(both)
    for stage in maps:
        mine, theirs = stage.chunk(2)
        total = total + (mine - theirs).square().sum(dim=1).mean()
    return total / len(maps)
