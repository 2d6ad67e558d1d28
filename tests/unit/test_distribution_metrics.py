"""Fréchet distance, KID and precision/recall on synthetic features with known answers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from polystyle.metrics.diversity import composition_count, layout_agreement, vendi_score
from polystyle.metrics.frechet import FeatureStats, frechet_distance, frechet_distance_of
from polystyle.metrics.kid import kernel_inception_distance
from polystyle.metrics.precision_recall import precision_recall


def gaussian(n: int, dim: int, seed: int, shift: float = 0.0, scale: float = 1.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, dim, generator=g) * scale + shift


def test_feature_stats_match_numpy():
    x = gaussian(50, 6, 0)
    stats = FeatureStats.of(x)
    np.testing.assert_allclose(stats.mean.numpy(), x.double().numpy().mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(
        stats.cov.numpy(), np.cov(x.double().numpy(), rowvar=False), atol=1e-12
    )


def test_frechet_matches_scipy_sqrtm_formula():
    linalg = pytest.importorskip("scipy.linalg")
    a, b = gaussian(200, 16, 1), gaussian(150, 16, 2, shift=0.3, scale=1.5)
    sa, sb = FeatureStats.of(a), FeatureStats.of(b)
    mu1, s1 = sa.mean.numpy(), sa.cov.numpy()
    mu2, s2 = sb.mean.numpy(), sb.cov.numpy()
    root = linalg.sqrtm(s1 @ s2).real
    expected = ((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * root)
    assert frechet_distance(sa, sb) == pytest.approx(expected, rel=1e-8)


def test_frechet_closed_form_for_isotropic_gaussians():
    # N(0, I) vs N(m, s^2 I) in d dims: |m|^2 + d (1 - s)^2 (exact for the population stats).
    d = 4
    a = FeatureStats(torch.zeros(d, dtype=torch.float64), torch.eye(d, dtype=torch.float64), 10)
    b = FeatureStats(
        torch.full((d,), 0.5, dtype=torch.float64), 4 * torch.eye(d, dtype=torch.float64), 10
    )
    assert frechet_distance(a, b) == pytest.approx(d * 0.25 + d * 1.0)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-12)


def test_frechet_from_few_samples_equals_the_covariance_route():
    # fewer samples than dimensions, as at small N with 2048-d Inception features: the
    # sample-space route must give the covariance route's answer
    a, b = gaussian(10, 64, 3), gaussian(14, 64, 4, shift=0.1)
    value = frechet_distance_of(a, b)
    assert value == pytest.approx(
        frechet_distance(FeatureStats.of(a), FeatureStats.of(b)), rel=1e-7
    )
    assert np.isfinite(value) and value > 0


def test_frechet_needs_two_samples():
    with pytest.raises(ValueError, match="at least 2"):
        FeatureStats.of(torch.zeros(1, 3))


def test_kid_same_distribution_near_zero_and_shift_positive():
    real = gaussian(400, 32, 5)
    same = gaussian(400, 32, 6)
    shifted = gaussian(400, 32, 7, shift=0.5)
    near = kernel_inception_distance(real, same, subsets=20, subset_size=200)
    far = kernel_inception_distance(real, shifted, subsets=20, subset_size=200)
    assert abs(near.mean) < 3 * near.std + 1e-3
    assert far.mean > 10 * max(abs(near.mean), near.std)
    assert near.subset_size == 200 and near.subsets == 20


def test_kid_is_deterministic_for_a_seed():
    a, b = gaussian(100, 8, 8), gaussian(90, 8, 9, shift=0.2)
    first = kernel_inception_distance(a, b, subsets=5, subset_size=50, seed=3)
    assert first == kernel_inception_distance(a, b, subsets=5, subset_size=50, seed=3)
    assert kernel_inception_distance(a, b, subsets=5, subset_size=50, seed=4) != first


def test_precision_recall_separates_fidelity_from_coverage():
    real = gaussian(300, 2, 10)
    # a generator that covers only one corner of the data: precise, but poor recall
    corner = real[(real[:, 0] > 0.5) & (real[:, 1] > 0.5)]
    narrow = precision_recall(real, corner)
    assert narrow.precision > 0.9 and narrow.recall < 0.4
    # a generator off the data: neither
    off = precision_recall(real, gaussian(300, 2, 11, shift=8.0))
    assert off.precision == 0.0 and off.recall == 0.0
    # the same distribution: both high
    good = precision_recall(real, gaussian(300, 2, 12))
    assert good.precision > 0.8 and good.recall > 0.8
    assert good.k == 3


def test_precision_recall_needs_more_points_than_k():
    with pytest.raises(ValueError, match="k=3"):
        precision_recall(torch.zeros(3, 2), torch.zeros(10, 2))


def _glyphs(count: int, seed: int) -> torch.Tensor:
    """`count` uint8 RGB 32 px images, each a different random arrangement of ink blocks."""
    g = torch.Generator().manual_seed(seed)
    blocks = (torch.rand(count, 1, 8, 8, generator=g) > 0.6).float()
    ink = torch.nn.functional.interpolate(blocks, scale_factor=4)
    return (255 * (1 - ink)).to(torch.uint8).repeat(1, 3, 1, 1)


def test_vendi_score_counts_distinct_items():
    assert vendi_score(torch.eye(6)) == pytest.approx(6.0)
    assert vendi_score(torch.ones(6, 4)) == pytest.approx(1.0)
    two_kinds = torch.cat([torch.eye(2)[[0, 0, 0]], torch.eye(2)[[1, 1, 1]]])
    assert vendi_score(two_kinds) == pytest.approx(2.0)


def test_composition_count_separates_a_collapse_from_variety():
    varied = _glyphs(32, seed=0)
    one = varied[:1].repeat(32, 1, 1, 1)
    four = varied[:4].repeat(8, 1, 1, 1)
    assert composition_count(one) == pytest.approx(1.0)
    assert composition_count(four) == pytest.approx(4.0, rel=0.1)
    assert composition_count(varied) > 3 * composition_count(four)


def test_composition_count_ignores_ink_level():
    """A style may draw the same layout in lighter ink: one composition, not two."""
    glyphs = _glyphs(16, seed=1)
    lighter = (255 - (255 - glyphs.float()) * 0.4).to(torch.uint8)
    assert composition_count(torch.cat([glyphs, lighter])) == pytest.approx(
        composition_count(glyphs), rel=0.01
    )


def test_layout_agreement_tells_kept_content_from_content_picked_by_style():
    glyphs = _glyphs(16, seed=2)
    lighter = (255 - (255 - glyphs.float()) * 0.4).to(torch.uint8)
    kept = torch.stack([glyphs, lighter, glyphs])  # one layout per source in every style
    reshuffled = torch.stack([glyphs, lighter.roll(1, dims=0), glyphs.roll(2, dims=0)])
    assert layout_agreement(kept) == pytest.approx(1.0)
    assert layout_agreement(reshuffled) < 0.3


def test_layout_agreement_needs_two_styles():
    with pytest.raises(ValueError, match=">= 2 styles"):
        layout_agreement(_glyphs(4, seed=0)[None])
