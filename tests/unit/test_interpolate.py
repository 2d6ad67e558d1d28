"""Interpolation maths and how frames are spread over a path's keypoints."""

from __future__ import annotations

import math
from itertools import pairwise

import pytest
import torch

from polystyle.errors import ConfigError
from polystyle.sampling.interpolate import keyframe_indices, lerp, path_positions, slerp


def _pair(dim: int = 64, rows: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    shape = (dim,) if rows is None else (rows, dim)
    return torch.randn(shape, generator=generator), torch.randn(shape, generator=generator)


@pytest.mark.parametrize("step", [lerp, slerp])
@pytest.mark.parametrize("rows", [None, 5])
def test_endpoints_are_exact(step, rows: int | None) -> None:
    a, b = _pair(rows=rows)
    assert torch.equal(step(a, b, 0.0), a)
    assert torch.equal(step(a, b, 1.0), b)


def test_lerp_is_a_straight_line() -> None:
    a, b = _pair()
    assert torch.allclose(lerp(a, b, 0.25), 0.75 * a + 0.25 * b, atol=1e-6)


def test_slerp_keeps_unit_vectors_on_the_sphere() -> None:
    a, b = _pair(rows=8)
    a, b = a / a.norm(dim=1, keepdim=True), b / b.norm(dim=1, keepdim=True)
    for t in torch.linspace(0, 1, 11).tolist():
        assert torch.allclose(slerp(a, b, t).norm(dim=1), torch.ones(8), atol=1e-6)


def test_slerp_midpoint_of_orthogonal_unit_vectors() -> None:
    a, b = torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0])
    half = 1 / math.sqrt(2)
    assert torch.allclose(slerp(a, b, 0.5), torch.tensor([half, half, 0.0]), atol=1e-7)
    third = slerp(a, b, 1 / 3)
    assert math.atan2(float(third[1]), float(third[0])) == pytest.approx(math.pi / 6)


def test_slerp_falls_back_to_lerp_when_parallel_or_opposite() -> None:
    a = _pair()[0]
    nearly = a * 2 + 1e-7
    assert torch.allclose(slerp(a, nearly, 0.3), lerp(a, nearly, 0.3), atol=1e-6)
    opposite = slerp(a, -a, 0.5)
    assert torch.isfinite(opposite).all() and opposite.abs().max() < 1e-6
    zero = slerp(torch.zeros(4), torch.ones(4), 0.5)
    assert torch.isfinite(zero).all()


def test_slerp_rows_are_independent() -> None:
    a, b = _pair(rows=3)
    b[1] = a[1] * 3  # a parallel row between two ordinary ones
    both = slerp(a, b, 0.4)
    for row in range(3):
        assert torch.allclose(both[row], slerp(a[row], b[row], 0.4), atol=1e-6)


@pytest.mark.parametrize(
    ("keypoints", "frames", "marks"),
    [(2, 2, [0, 1]), (3, 5, [0, 2, 4]), (3, 6, [0, 3, 5]), (4, 8, [0, 2, 5, 7]), (3, 3, [0, 1, 2])],
)
def test_keypoints_land_on_frames(keypoints: int, frames: int, marks: list[int]) -> None:
    assert keyframe_indices(keypoints, frames) == marks


def test_frames_pass_through_every_keypoint_evenly() -> None:
    for keypoints in range(2, 7):
        for frames in range(keypoints, 40):
            marks = keyframe_indices(keypoints, frames)
            positions = path_positions(keypoints, frames)
            assert len(positions) == frames
            assert positions[0] == (0, 0.0) and positions[-1] == (keypoints - 2, 1.0)
            for k, mark in enumerate(marks[:-1]):
                assert positions[mark] == (k, 0.0)
            gaps = [b - a for a, b in pairwise(marks)]
            assert min(gaps) >= 1 and max(gaps) - min(gaps) <= 1
            assert all(0.0 <= t <= 1.0 for _, t in positions)


def test_frames_within_a_segment_are_evenly_spaced() -> None:
    thirds = [0.0, 1 / 3, 2 / 3]
    assert path_positions(3, 7) == [(0, t) for t in thirds] + [(1, t) for t in thirds] + [(1, 1.0)]


@pytest.mark.parametrize(
    ("keypoints", "frames", "match"),
    [(3, 1, "2 or more frames"), (4, 3, "--frames 4 or more"), (1, 8, "two or more keypoints")],
)
def test_bad_frame_counts_name_the_fix(keypoints: int, frames: int, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        path_positions(keypoints, frames)
