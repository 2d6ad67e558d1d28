"""Paired metrics for style transfer: how close each output is to its known target image.

Transfer between fonts has ground truth (the same glyph drawn in the target style), so outputs
can be scored pixel by pixel (SSIM, PSNR, RMSE) and perceptually (MobileNetV2 feature
distance, LPIPS-style but not LPIPS). Pairs come from two folders matched by file name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from polystyle.config import DataConfig
from polystyle.config.schema import MAX_SIZE, MIN_SIZE
from polystyle.data.images import (
    IMAGE_EXTENSIONS,
    DecodedImage,
    ImageProblem,
    decode_image,
    read_bytes,
)
from polystyle.data.report import Problem
from polystyle.errors import DatasetError
from polystyle.nn.mobilenet_v2 import feature_distance, features

DATA_RANGE = 255.0
SSIM_WINDOW, SSIM_SIGMA, SSIM_K1, SSIM_K2 = 11, 1.5, 0.01, 0.03
# Images directly inside a compared folder (no style sub-folder) form this one style.
FLAT_STYLE = "."
PAIRING_HINT = (
    "files are paired by their path below each folder without the extension "
    "(pred/<style>/<name>.png with true/<style>/<name>.png, or pred/<name>.png with "
    "true/<name>.jpg)"
)


def ssim(pred: torch.Tensor, true: torch.Tensor, batch: int = 64) -> torch.Tensor:
    """Wang et al. (2004) SSIM per image (shape N), float64.

    Gaussian window 11 x 11 with sigma 1.5, K1 = 0.01, K2 = 0.03, data range 255, averaged
    over the window positions that fit inside the image (no padding, so borders are not
    invented) and over channels; this equals scikit-image's `structural_similarity` with
    `gaussian_weights=True, use_sample_covariance=False, data_range=255`.
    """
    _check_pair(pred, true)
    if min(pred.shape[-2:]) < SSIM_WINDOW:
        raise ValueError(
            f"SSIM needs images of at least {SSIM_WINDOW} x {SSIM_WINDOW}, got {tuple(pred.shape)}"
        )
    scores = [torch.zeros(0, dtype=torch.float64)]
    for p, t in zip(pred.split(batch), true.split(batch), strict=True):
        scores.append(ssim_per_image(p.double(), t.double()))
    return torch.cat(scores)


def psnr(pred: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB per image (data range 255); `inf` for identical pairs."""
    return 10 * torch.log10(DATA_RANGE**2 / _mse(pred, true))


def rmse(pred: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    """Root mean squared error per image in [0, 1] units (pixel values divided by 255)."""
    return _mse(pred, true).sqrt() / DATA_RANGE


def paired_report(
    pred: torch.Tensor,
    true: torch.Tensor,
    labels: torch.Tensor,
    style_names: list[str],
    with_features: bool = True,
) -> dict[str, Any]:
    """Per-style and overall means, as a JSON-ready dict with a fixed key order.

    `mean` weighs every pair equally (styles with more pairs count more). PSNR is averaged over
    finite values only, because one identical pair would make the mean infinite; `identical`
    counts the excluded pairs and `psnr` is None when every pair is identical. The key
    `mobilenet_feature_distance` is present only when `with_features` is true.
    """
    _check_pair(pred, true)
    if labels.shape != (len(pred),):
        raise ValueError(f"labels has shape {tuple(labels.shape)}, expected ({len(pred)},)")
    scores = {"ssim": ssim(pred, true), "psnr": psnr(pred, true), "rmse": rmse(pred, true)}
    if with_features:
        scores["mobilenet_feature_distance"] = feature_distance(features(pred), features(true))
    everything = torch.ones(len(pred), dtype=torch.bool)
    per_style = {
        name: _summary(scores, labels == index)
        for index, name in enumerate(style_names)
        if bool((labels == index).any())
    }
    return {"n": len(pred), "per_style": per_style, "mean": _summary(scores, everything)}


class PairedImages(NamedTuple):
    """Matched pairs as uint8 N x C x H x W tensors; `labels` index into `style_names`."""

    pred: torch.Tensor
    true: torch.Tensor
    labels: torch.Tensor
    style_names: list[str]
    problems: list[Problem]


def load_pairs(pred_dir: Path, true_dir: Path, size: int | None = None) -> PairedImages:
    """Read every image that exists under the same name in both folders.

    Each folder holds images directly (one style, named `.`) and/or in style sub-folders
    `<style>/<name>.png`. Files without a partner, duplicates and undecodable files become
    `problems`, not errors. With `size` both images of a pair are fitted to `size x size` (as
    the dataset loader does); without it they are compared at their own size, which must be
    the same for all pairs. A greyscale image is compared with an RGB one as RGB.
    """
    pred_files, problems = _image_files(Path(pred_dir))
    true_files, true_problems = _image_files(Path(true_dir))
    problems += true_problems
    problems += _unmatched(pred_files, true_files, true_dir)
    problems += _unmatched(true_files, pred_files, pred_dir)
    keys = sorted(pred_files.keys() & true_files.keys())
    if not keys:
        raise DatasetError(
            f"no image in {pred_dir} ({len(pred_files)} images) has a partner in {true_dir} "
            f"({len(true_files)} images); {PAIRING_HINT}"
        )
    decoded: dict[tuple[str, str], tuple[DecodedImage, DecodedImage]] = {}
    for key in keys:
        pair = _decode_pair(pred_files[key], true_files[key], size, problems)
        if pair is not None:
            decoded[key] = pair
    if not decoded:
        raise DatasetError(
            f"none of the {len(keys)} pairs in {pred_dir} and {true_dir} could be decoded; "
            f"for example: {problems[-1].line()}"
        )
    _check_common_size(decoded, pred_files)
    style_names = sorted({style for style, _ in decoded})
    channels = max(image.pixels.shape[2] for pair in decoded.values() for image in pair)
    pred, true = (
        torch.stack([_tensor(pair[side].pixels, channels) for pair in decoded.values()])
        for side in (0, 1)
    )
    labels = torch.tensor([style_names.index(style) for style, _ in decoded], dtype=torch.long)
    return PairedImages(pred, true, labels, style_names, problems)


def _check_pair(pred: torch.Tensor, true: torch.Tensor) -> None:
    if pred.shape != true.shape:
        raise ValueError(
            f"pred and true must have the same shape, got {tuple(pred.shape)} and "
            f"{tuple(true.shape)}"
        )
    if pred.ndim != 4:
        raise ValueError(f"expected images N x C x H x W, got shape {tuple(pred.shape)}")


def _mse(pred: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    _check_pair(pred, true)
    return (pred.double() - true.double()).pow(2).mean(dim=(1, 2, 3))


def _gaussian_window(dtype: torch.dtype) -> torch.Tensor:
    offsets = torch.arange(SSIM_WINDOW, dtype=dtype) - (SSIM_WINDOW - 1) / 2
    window = torch.exp(-0.5 * (offsets / SSIM_SIGMA) ** 2)
    return window / window.sum()


def ssim_per_image(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """SSIM (shape N) of float [0, 255] images, differentiable: the metric, and a training
    loss that asks for the same local structure. The five local moments share one blur."""
    groups = 5 * x.shape[1]
    window = _gaussian_window(x.dtype).to(x.device)
    moments = torch.cat([x, y, x * x, y * y, x * y], dim=1)
    moments = F.conv2d(moments, window.view(1, 1, 1, -1).expand(groups, 1, 1, -1), groups=groups)
    moments = F.conv2d(moments, window.view(1, 1, -1, 1).expand(groups, 1, -1, 1), groups=groups)
    mu_x, mu_y, xx, yy, xy = moments.chunk(5, dim=1)
    var_x, var_y, cov = xx - mu_x**2, yy - mu_y**2, xy - mu_x * mu_y
    c1, c2 = (SSIM_K1 * DATA_RANGE) ** 2, (SSIM_K2 * DATA_RANGE) ** 2
    numerator = (2 * mu_x * mu_y + c1) * (2 * cov + c2)
    denominator = (mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2)
    return (numerator / denominator).mean(dim=(1, 2, 3))


def _summary(scores: dict[str, torch.Tensor], mask: torch.Tensor) -> dict[str, Any]:
    psnr_values = scores["psnr"][mask]
    finite = psnr_values[torch.isfinite(psnr_values)]
    summary: dict[str, Any] = {
        "n": int(mask.sum()),
        "ssim": float(scores["ssim"][mask].mean()),
        "psnr": float(finite.mean()) if len(finite) else None,
        "identical": len(psnr_values) - len(finite),
        "rmse": float(scores["rmse"][mask].mean()),
    }
    if "mobilenet_feature_distance" in scores:
        distances = scores["mobilenet_feature_distance"][mask]
        summary["mobilenet_feature_distance"] = float(distances.double().mean())
    return summary


def _image_files(root: Path) -> tuple[dict[tuple[str, str], Path], list[Problem]]:
    """Images by (style, stem): `root/<name>` is style `.`, `root/<style>/<name>` is `<style>`."""
    if not root.is_dir():
        raise DatasetError(f"{root} is not a folder; {PAIRING_HINT}")
    files: dict[tuple[str, str], Path] = {}
    problems: list[Problem] = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if not path.is_file() or path.suffix.lower() not in IMAGE_EXTENSIONS:
            continue
        if len(relative.parts) > 2:
            problems.append(
                Problem(
                    str(path),
                    "nested-folder",
                    "images more than one folder deep are not read",
                    f"move it into {root}/<style>/",
                )
            )
            continue
        key = (relative.parts[0] if len(relative.parts) == 2 else FLAT_STYLE, path.stem)
        if key in files:
            problems.append(
                Problem(
                    str(path),
                    "duplicate-name",
                    f"{files[key].name} has the same name, so the pairing is ambiguous",
                    "rename or remove one of them",
                )
            )
            continue
        files[key] = path
    return files, problems


def _unmatched(
    files: dict[tuple[str, str], Path], others: dict[tuple[str, str], Path], other_dir: Path
) -> list[Problem]:
    return [
        Problem(
            str(path),
            "unmatched",
            f"no image with this name in {other_dir}",
            f"add its counterpart or ignore it; {PAIRING_HINT}",
        )
        for key, path in sorted(files.items())
        if key not in others
    ]


def _decode_pair(
    pred_path: Path, true_path: Path, size: int | None, problems: list[Problem]
) -> tuple[DecodedImage, DecodedImage] | None:
    """Both images of a pair, or None with the reason appended to `problems`."""
    decoded = []
    for path in (pred_path, true_path):
        try:
            decoded.append(_decode(path, size))
        except ImageProblem as problem:
            problems.append(Problem(str(path), problem.kind, problem.message, problem.fix))
            return None
    pred, true = decoded
    if size is None and pred.source_size != true.source_size:
        raise DatasetError(
            f"{pred_path} is {_dims(pred)} but {true_path} is {_dims(true)}; images are "
            "compared pixel by pixel, so pass --size N to fit both to N x N"
        )
    return pred, true


def _decode(path: Path, size: int | None) -> DecodedImage:
    """Decode at `size`, or at the file's own size (a non-square image padded to a square)."""
    data = read_bytes(str(path))
    if size is not None:
        return decode_image(data, DataConfig(size=size))
    guess = DataConfig()
    decoded = decode_image(data, guess)
    side = max(decoded.source_size)
    if side == guess.size:
        return decoded
    if not MIN_SIZE <= side <= MAX_SIZE:
        raise DatasetError(
            f"{path} is {_dims(decoded)}; without --size images are compared at their own "
            f"size, which must be {MIN_SIZE} to {MAX_SIZE} px; pass --size N"
        )
    return decode_image(data, DataConfig(size=side))


def _check_common_size(
    decoded: dict[tuple[str, str], tuple[DecodedImage, DecodedImage]],
    paths: dict[tuple[str, str], Path],
) -> None:
    """All pairs must share one size to form one batch; name two that differ."""
    first_key = next(iter(decoded))
    first = decoded[first_key][0]
    for key, (pred, _) in decoded.items():
        if pred.pixels.shape[:2] != first.pixels.shape[:2]:
            raise DatasetError(
                f"{paths[first_key]} is {_dims(first)} but {paths[key]} is {_dims(pred)}; "
                "without --size all images must have the same size, so pass --size N to fit "
                "every image to N x N"
            )


def _dims(image: DecodedImage) -> str:
    width, height = image.source_size
    return f"{width}x{height}"


def _tensor(pixels: np.ndarray, channels: int) -> torch.Tensor:
    """H x W x C uint8 to C x H x W, greyscale repeated when the batch is RGB."""
    tensor = torch.from_numpy(pixels.copy()).permute(2, 0, 1)
    return tensor.expand(channels, -1, -1).contiguous()
