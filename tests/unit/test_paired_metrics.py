from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from polystyle.errors import DatasetError
from polystyle.metrics.paired import load_pairs, paired_report, psnr, rmse, ssim
from tests.conftest import save_image


def _random(shape: tuple[int, ...], seed: int) -> torch.Tensor:
    return torch.randint(0, 256, shape, generator=torch.Generator().manual_seed(seed)).to(
        torch.uint8
    )


def _structured(size: int) -> torch.Tensor:
    """Greyscale glyph-like picture: white page, dark bar and disc, a soft gradient."""
    y, x = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    page = 255 - x * 60 // size
    page = torch.where((x > size // 4) & (x < size // 3), 20, page)
    page = torch.where((x - size * 2 // 3) ** 2 + (y - size // 2) ** 2 < (size // 6) ** 2, 60, page)
    return page.to(torch.uint8)[None, None]


def _noisy(images: torch.Tensor, amplitude: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    noise = torch.randint(-amplitude, amplitude + 1, images.shape, generator=generator)
    return (images.long() + noise).clamp(0, 255).to(torch.uint8)


@pytest.mark.parametrize(
    ("pred", "true"),
    [
        (_random((2, 3, 40, 37), 0), _random((2, 3, 40, 37), 1)),
        (_structured(48), _noisy(_structured(48), 30, 2)),
        (_random((1, 3, 32, 32), 3), _noisy(_random((1, 3, 32, 32), 3), 10, 4)),
    ],
)
def test_ssim_matches_scikit_image(pred: torch.Tensor, true: torch.Tensor) -> None:
    metrics = pytest.importorskip("skimage.metrics")
    expected = [
        metrics.structural_similarity(
            p.numpy(),
            t.numpy(),
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
            data_range=255,
            channel_axis=0,
        )
        for p, t in zip(pred, true, strict=True)
    ]
    torch.testing.assert_close(
        ssim(pred, true), torch.tensor(expected, dtype=torch.float64), rtol=0, atol=1e-6
    )


def test_identical_images_score_perfectly() -> None:
    images = _random((3, 1, 24, 24), 5)
    assert ssim(images, images).tolist() == [1.0, 1.0, 1.0]
    assert psnr(images, images).tolist() == [math.inf] * 3
    assert rmse(images, images).tolist() == [0.0] * 3


def test_psnr_and_rmse_of_a_known_error() -> None:
    true = torch.full((1, 3, 16, 16), 100, dtype=torch.uint8)
    pred = true + 5
    assert psnr(pred, true).item() == pytest.approx(20 * math.log10(255 / 5))
    assert rmse(pred, true).item() == pytest.approx(5 / 255)


def test_mismatched_shapes_are_named() -> None:
    a, b = _random((2, 3, 16, 16), 0), _random((2, 1, 16, 16), 0)
    for metric in (ssim, psnr, rmse):
        with pytest.raises(ValueError, match=r"\(2, 3, 16, 16\) and \(2, 1, 16, 16\)"):
            metric(a, b)
    with pytest.raises(ValueError, match="at least 11"):
        ssim(a[..., :10, :10], a[..., :10, :10])


def test_report_is_json_ready_per_style_and_overall() -> None:
    true = _random((5, 1, 16, 16), 0)
    pred = true.clone()
    pred[2:] = _noisy(true[2:], 20, 1)
    labels = torch.tensor([0, 0, 2, 2, 2])
    report = paired_report(pred, true, labels, ["a", "unused", "c"], with_features=False)
    json.dumps(report, allow_nan=False)
    assert list(report) == ["n", "per_style", "mean"]
    assert report["n"] == 5
    assert list(report["per_style"]) == ["a", "c"]
    style_a, style_c = report["per_style"]["a"], report["per_style"]["c"]
    assert list(style_a) == ["n", "ssim", "psnr", "identical", "rmse"]
    assert style_a == {"n": 2, "ssim": 1.0, "psnr": None, "identical": 2, "rmse": 0.0}
    assert style_c["identical"] == 0
    expected_psnr = psnr(pred[2:], true[2:]).mean().item()
    assert style_c["psnr"] == pytest.approx(expected_psnr)
    assert report["mean"]["psnr"] == pytest.approx(expected_psnr)  # finite values only
    assert report["mean"]["rmse"] == pytest.approx(rmse(pred, true).mean().item())
    with pytest.raises(ValueError, match="labels"):
        paired_report(pred, true, labels[:3], ["a", "unused", "c"])


def test_report_with_mobilenet_feature_distance() -> None:
    true = _structured(64).expand(2, 3, -1, -1).contiguous()
    pred = torch.stack([true[0], _noisy(true[1:], 60, 0)[0]])
    report = paired_report(pred, true, torch.tensor([0, 1]), ["same", "noisy"])
    json.dumps(report, allow_nan=False)
    same = report["per_style"]["same"]["mobilenet_feature_distance"]
    noisy = report["per_style"]["noisy"]["mobilenet_feature_distance"]
    assert same == 0.0
    assert noisy > 0.0
    assert report["mean"]["mobilenet_feature_distance"] == pytest.approx(noisy / 2)


def _grey(size: int, level: int) -> np.ndarray:
    return np.full((size, size), level, dtype=np.uint8)


def test_load_flat_folders_pairs_by_stem_and_lists_unmatched(tmp_path: Path) -> None:
    pred_dir, true_dir = tmp_path / "pred", tmp_path / "true"
    save_image(pred_dir / "A.png", _grey(32, 10))
    save_image(pred_dir / "B.png", _grey(32, 20))
    save_image(pred_dir / "only-pred.png", _grey(32, 30))
    save_image(true_dir / "A.png", _grey(32, 110))
    save_image(true_dir / "B.jpg", _grey(32, 120), quality=100)
    save_image(true_dir / "only-true.png", _grey(32, 130))
    pairs = load_pairs(pred_dir, true_dir, None)
    assert pairs.pred.shape == pairs.true.shape == (2, 1, 32, 32)
    assert pairs.pred.dtype == torch.uint8
    assert pairs.pred[:, 0, 0, 0].tolist() == [10, 20]
    assert pairs.true[0, 0, 0, 0] == 110
    assert pairs.style_names == ["."]
    assert pairs.labels.tolist() == [0, 0]
    unmatched = {(Path(p.path).name, p.kind) for p in pairs.problems}
    assert unmatched == {("only-pred.png", "unmatched"), ("only-true.png", "unmatched")}


def test_load_style_subfolders_and_mixed_channels(tmp_path: Path) -> None:
    pred_dir, true_dir = tmp_path / "pred", tmp_path / "true"
    for style in ("bold", "thin"):
        for stem in ("x", "y"):
            save_image(pred_dir / style / f"{stem}.png", _grey(20, 50))
            save_image(
                true_dir / style / f"{stem}.png", np.full((20, 20, 3), (200, 0, 0), np.uint8)
            )
    save_image(pred_dir / "x.png", _grey(20, 50))  # no style: "." has no partner for it
    pairs = load_pairs(pred_dir, true_dir, None)
    assert pairs.style_names == ["bold", "thin"]
    assert pairs.labels.tolist() == [0, 0, 1, 1]
    assert pairs.pred.shape == pairs.true.shape == (4, 3, 20, 20)
    assert pairs.pred[0, :, 0, 0].tolist() == [50, 50, 50]
    assert pairs.true[0, :, 0, 0].tolist() == [200, 0, 0]
    assert [(Path(p.path).name, p.kind) for p in pairs.problems] == [("x.png", "unmatched")]


def test_load_without_any_match_explains_pairing(tmp_path: Path) -> None:
    save_image(tmp_path / "pred" / "bold" / "A.png", _grey(16, 0))
    save_image(tmp_path / "true" / "A.png", _grey(16, 0))
    with pytest.raises(DatasetError, match="paired by") as raised:
        load_pairs(tmp_path / "pred", tmp_path / "true", None)
    assert str(tmp_path / "pred") in str(raised.value)
    assert str(tmp_path / "true") in str(raised.value)


def test_load_size_mismatch_suggests_size_and_size_resizes(tmp_path: Path) -> None:
    pred_dir, true_dir = tmp_path / "pred", tmp_path / "true"
    save_image(pred_dir / "A.png", _grey(32, 0))
    save_image(true_dir / "A.png", _grey(48, 0))
    with pytest.raises(DatasetError, match=r"A\.png is 32x32 but .*A\.png is 48x48.*--size"):
        load_pairs(pred_dir, true_dir, None)
    pairs = load_pairs(pred_dir, true_dir, 24)
    assert pairs.pred.shape == pairs.true.shape == (1, 1, 24, 24)


def test_load_sizes_must_agree_across_pairs_without_size(tmp_path: Path) -> None:
    pred_dir, true_dir = tmp_path / "pred", tmp_path / "true"
    for stem, size in (("A", 32), ("B", 96)):
        save_image(pred_dir / f"{stem}.png", _grey(size, 0))
        save_image(true_dir / f"{stem}.png", _grey(size, 0))
    with pytest.raises(DatasetError, match="--size"):
        load_pairs(pred_dir, true_dir, None)
    assert load_pairs(pred_dir, true_dir, 64).pred.shape == (2, 1, 64, 64)


def test_load_reports_undecodable_and_duplicate_files(tmp_path: Path) -> None:
    pred_dir, true_dir = tmp_path / "pred", tmp_path / "true"
    for stem in ("A", "B"):
        save_image(pred_dir / f"{stem}.png", _grey(16, 0))
        save_image(true_dir / f"{stem}.png", _grey(16, 0))
    save_image(true_dir / "A.bmp", _grey(16, 0))
    (pred_dir / "B.png").write_bytes(b"not an image")
    pairs = load_pairs(pred_dir, true_dir, None)
    assert len(pairs.pred) == 1
    kinds = {(Path(p.path).name, p.kind) for p in pairs.problems}
    assert kinds == {("A.png", "duplicate-name"), ("B.png", "not-an-image")}
