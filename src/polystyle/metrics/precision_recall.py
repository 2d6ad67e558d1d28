"""Improved precision and recall (Kynkäänniemi et al. 2019) in a feature space.

Each set's manifold is the union of balls around its points with radius = distance to the
k-th nearest neighbour (k = 3 in the paper). Precision: the share of generated points inside
the real manifold (fidelity). Recall: the share of real points inside the generated manifold
(coverage; low recall is what mode collapse looks like).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class PrecisionRecall:
    precision: float
    recall: float
    k: int


def _knn_radii(points: torch.Tensor, k: int, batch: int) -> torch.Tensor:
    radii = []
    for i in range(0, len(points), batch):
        distances = torch.cdist(points[i : i + batch], points)
        # the (k+1)-th smallest: the nearest is the point itself at distance 0
        radii.append(distances.kthvalue(k + 1, dim=1).values)
    return torch.cat(radii)


def _coverage(
    queries: torch.Tensor, points: torch.Tensor, radii: torch.Tensor, batch: int
) -> float:
    inside = []
    for i in range(0, len(queries), batch):
        distances = torch.cdist(queries[i : i + batch], points)
        inside.append((distances <= radii[None, :]).any(dim=1))
    return float(torch.cat(inside).float().mean())


def precision_recall(
    real: torch.Tensor, fake: torch.Tensor, k: int = 3, batch: int = 1024
) -> PrecisionRecall:
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"precision/recall with k={k} needs more than {k} points on each side")
    real, fake = real.double(), fake.double()
    precision = _coverage(fake, real, _knn_radii(real, k, batch), batch)
    recall = _coverage(real, fake, _knn_radii(fake, k, batch), batch)
    return PrecisionRecall(precision, recall, k)
