"""Tile images into one sheet (datasets, samples, per-style rows)."""

from __future__ import annotations

import torch
from PIL import Image


def make_grid(images: torch.Tensor, columns: int, padding: int = 2, fill: int = 255) -> Image.Image:
    """`images`: uint8 `N x C x H x W` (C = 1 or 3), laid out row by row, `columns` per row."""
    if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(
            f"expected uint8 N x (1|3) x H x W, got {images.dtype} {tuple(images.shape)}"
        )
    count, channels, height, width = images.shape
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    sheet = torch.full(
        (channels, rows * (height + padding) + padding, columns * (width + padding) + padding),
        fill,
        dtype=torch.uint8,
    )
    for index in range(count):
        row, col = divmod(index, columns)
        top = padding + row * (height + padding)
        left = padding + col * (width + padding)
        sheet[:, top : top + height, left : left + width] = images[index]
    array = sheet.permute(1, 2, 0).numpy()
    return Image.fromarray(
        array[:, :, 0] if channels == 1 else array, "L" if channels == 1 else "RGB"
    )
