"""Within-style diversity: mean pairwise pixel distance between images of one style.

Compared with the same number for real images of that style, it exposes mode collapse (a
generator whose samples are near-copies scores far below the data).
"""

from __future__ import annotations

import torch


def mean_pairwise_distance(images: torch.Tensor, max_images: int = 256) -> float:
    """Mean L1 distance (pixel values in [0, 1]) over all pairs of up to `max_images`."""
    flat = images[:max_images].float().div(255).flatten(1)
    if len(flat) < 2:
        return 0.0
    distances = torch.cdist(flat, flat, p=1) / flat.shape[1]
    count = len(flat) * (len(flat) - 1)
    return float(distances.sum() / count)
