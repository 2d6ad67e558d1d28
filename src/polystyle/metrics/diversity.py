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


def nearest_neighbour_distance(
    queries: torch.Tensor, references: torch.Tensor, batch: int = 256
) -> dict[str, float]:
    """For each query image, the RMS pixel distance (pixels in [0, 1]) to its nearest reference.

    Returns the mean and the minimum over queries: a generator that copies its training images
    shows up as a minimum (and mean) far below real held-out images' distances to training.
    """
    refs = references.float().div(255).flatten(1)
    nearest = []
    for i in range(0, len(queries), batch):
        q = queries[i : i + batch].float().div(255).flatten(1)
        # Euclidean cdist runs as a matrix product; L1 over 10^4 x 10^3 pairs would take minutes.
        nearest.append(torch.cdist(q, refs).min(dim=1).values / refs.shape[1] ** 0.5)
    values = torch.cat(nearest)
    return {"mean": float(values.mean()), "min": float(values.min())}


def mean_pairwise_feature_distance(features: torch.Tensor, max_items: int = 256) -> float:
    """Mean over pairs i != j of `nn.mobilenet_v2.feature_distance` (a squared Euclidean
    distance between feature vectors), from up to `max_items` vectors."""
    f = features[:max_items].double()
    if len(f) < 2:
        return 0.0
    return float(torch.cdist(f, f).square().sum() / (len(f) * (len(f) - 1)))
