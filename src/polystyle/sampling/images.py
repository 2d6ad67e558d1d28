"""Conversions between model space ([-1, 1] floats) and pixels (uint8)."""

from __future__ import annotations

import torch
from PIL import Image


def to_float(images: torch.Tensor) -> torch.Tensor:
    return images.float().div_(127.5).sub_(1.0)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    return images.detach().clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8).cpu()


def to_pil(image: torch.Tensor) -> Image.Image:
    """One uint8 `C x H x W` image."""
    array = image.permute(1, 2, 0).numpy()
    return Image.fromarray(array[:, :, 0], "L") if array.shape[2] == 1 else Image.fromarray(array)
