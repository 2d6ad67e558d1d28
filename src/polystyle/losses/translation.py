"""Losses that compare a paired translation with its true target, beyond plain L1.

SSIM is the score the glyph benchmark reports. As a loss (Zhao et al. 2017 use it for image
restoration) it weighs an error by the local structure around it (means, contrasts and
correlations in 11 x 11 windows) instead of pixel by pixel. Whether that trains better glyphs
than L1 alone is measured, not assumed: see BENCHMARKS.md.
"""

from __future__ import annotations

import torch

from polystyle.metrics.paired import DATA_RANGE, ssim_per_image


def ssim_loss(images: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """1 - mean SSIM; images in [-1, 1], gradients flow to `images` only."""
    scale = DATA_RANGE / 2
    return 1 - ssim_per_image((images + 1) * scale, (targets.detach() + 1) * scale).mean()
