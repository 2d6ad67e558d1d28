"""Rendered tensors -> response bytes: PNG images, PNG grids, GIF animations, base64 strings.

The same writers as the CLI (`make_grid`, `save_gif`) so that an API answer and a file from
`polystyle generate/interpolate` with the same inputs hold the same pixels.
"""

from __future__ import annotations

import base64
import io
import math
import tempfile
from pathlib import Path

import torch
from PIL import Image

from polystyle.sampling.animation import save_gif
from polystyle.sampling.grids import make_grid


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def grid_png(images: torch.Tensor, columns: int | None = None) -> bytes:
    """uint8 `N x C x H x W` as one PNG; `columns` defaults to a near-square layout."""
    columns = columns or math.ceil(math.sqrt(len(images)))
    return png_bytes(make_grid(images, columns=columns))


def gif_bytes(frames: torch.Tensor, fps: float) -> bytes:
    """A looping GIF; written through a file because `save_gif` takes a path."""
    with tempfile.TemporaryDirectory(prefix="polystyle-gif-") as folder:
        path = save_gif(frames, Path(folder) / "animation.gif", fps)
        return path.read_bytes()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
