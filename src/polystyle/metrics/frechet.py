"""Fréchet distance between two Gaussians fitted to feature sets (FID, FD-style).

Everything is float64 and needs no SciPy (tests check against `scipy.linalg.sqrtm`). From
statistics, tr sqrt(S1 S2) = sum of sqrt(eigenvalues of sqrt(S1) S2 sqrt(S1)), a symmetric PSD
matrix. From features, when a side has fewer samples than dimensions (2048 for Inception), the
same trace is the nuclear norm of A B^T, with A and B the centred features scaled by
1/sqrt(n - 1): an n1 x n2 SVD instead of two 2048 x 2048 eigendecompositions (seconds each on
2 cores).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class FeatureStats:
    mean: torch.Tensor
    cov: torch.Tensor
    n: int

    @classmethod
    def of(cls, features: torch.Tensor) -> FeatureStats:
        """Mean and unbiased covariance (as `numpy.cov(rowvar=False)`), in float64."""
        if len(features) < 2:
            raise ValueError(
                f"need at least 2 feature vectors for a covariance, got {len(features)}"
            )
        x = features.double()
        return cls(x.mean(dim=0), torch.cov(x.T), len(features))


def _psd_sqrt(matrix: torch.Tensor) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(matrix)
    return (vectors * values.clamp(min=0).sqrt()) @ vectors.T


def frechet_distance(a: FeatureStats, b: FeatureStats) -> float:
    root_a = _psd_sqrt(a.cov)
    middle = root_a @ b.cov @ root_a
    trace_sqrt = torch.linalg.eigvalsh((middle + middle.T) / 2).clamp(min=0).sqrt().sum()
    mean_term = (a.mean - b.mean).square().sum()
    return float(mean_term + a.cov.trace() + b.cov.trace() - 2 * trace_sqrt)


def frechet_distance_of(features_a: torch.Tensor, features_b: torch.Tensor) -> float:
    if min(len(features_a), len(features_b)) >= features_a.shape[1]:
        return frechet_distance(FeatureStats.of(features_a), FeatureStats.of(features_b))
    for features in (features_a, features_b):
        if len(features) < 2:
            raise ValueError(f"need at least 2 feature vectors, got {len(features)}")
    a, b = features_a.double(), features_b.double()
    mean_a, mean_b = a.mean(dim=0), b.mean(dim=0)
    centred_a = (a - mean_a) / (len(a) - 1) ** 0.5
    centred_b = (b - mean_b) / (len(b) - 1) ** 0.5
    trace_sqrt = torch.linalg.svdvals(centred_a @ centred_b.T).sum()
    traces = centred_a.square().sum() + centred_b.square().sum()
    return float((mean_a - mean_b).square().sum() + traces - 2 * trace_sqrt)
