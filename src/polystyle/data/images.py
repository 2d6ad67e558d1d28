"""Decode one image file into a square uint8 array, or say precisely why it cannot be used.

Everything that varies between user files (format, colour mode, bit depth, transparency,
orientation, aspect ratio) is normalised here, so the rest of polystyle only ever sees
`size x size x C` uint8 pixels on a known background.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from polystyle.config import DataConfig

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
_HIGH_BIT_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA", "P"})


class ImageProblem(Exception):
    """Why a file was skipped: a short `kind`, a human `message` and the `fix`."""

    def __init__(self, kind: str, message: str, fix: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.fix = fix


@dataclass(frozen=True)
class DecodedImage:
    """Pixels `(size, size, C)` with C in {1, 3}; `grey` is true when the colours are all grey."""

    pixels: np.ndarray
    grey: bool
    source_size: tuple[int, int]
    source_mode: str


def read_bytes(path: str) -> bytes:
    """Read a file whole; permission and I/O failures become an ImageProblem."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except PermissionError as exc:
        raise ImageProblem(
            "unreadable",
            f"permission denied ({exc.strerror})",
            "make it readable (chmod a+r) or remove it",
        ) from exc
    except OSError as exc:
        raise ImageProblem(
            "unreadable", f"cannot read: {exc.strerror or exc}", "check the file"
        ) from exc


@contextlib.contextmanager
def _own_pixel_limit() -> Iterator[None]:
    """Disable Pillow's global bomb guard for the duration: we apply `max_pixels` ourselves."""
    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = saved


def open_image(
    data: bytes, max_pixels: int, background: int = 255, draft: int | None = None
) -> tuple[Image.Image, tuple[int, int], str]:
    """File content -> (an 8-bit "L" or "RGB" image at its own size, source size, source mode).

    The pixel limit is checked before any pixel is decoded; EXIF orientation is applied and
    transparency composited on `background`. `draft` lets JPEG decode at a reduced scale.
    """
    if not data:
        raise ImageProblem("empty", "file is empty (0 bytes)", "re-export it or delete it")
    with _own_pixel_limit():
        try:
            image = Image.open(io.BytesIO(data))
        except UnidentifiedImageError as exc:
            raise ImageProblem(
                "not-an-image",
                "content is not a readable image (not PNG/JPEG/WebP/BMP/GIF/TIFF)",
                "check what the file really is, or delete it",
            ) from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise _corrupt(exc) from exc
        width, height = image.size
        if width * height > max_pixels:
            raise ImageProblem(
                "too-large",
                f"{width}x{height} = {width * height:,} pixels is over the limit of "
                f"{max_pixels:,} (decompression-bomb guard)",
                "shrink the image, or raise the limit with --max-pixels N if you trust it",
            )
        source_mode = image.mode
        try:
            if getattr(image, "n_frames", 1) > 1:
                image.seek(0)
            if image.format == "JPEG" and draft is not None:
                image.draft("RGB" if image.mode != "L" else "L", (draft, draft))
            image.load()
            image = ImageOps.exif_transpose(image)
            image = to_l_or_rgb(image, background)
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise _corrupt(exc) from exc
    return image, (width, height), source_mode


def decode_image(data: bytes, config: DataConfig) -> DecodedImage:
    """Decode file content according to `config` (size, fit, background, pixel limit)."""
    image, (width, height), source_mode = open_image(
        data, config.max_pixels, config.background, draft=config.size
    )
    fitted = fit_square(image, config)
    pixels = np.asarray(fitted, dtype=np.uint8)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
        grey = True
    else:
        grey = bool(
            np.array_equal(pixels[..., 0], pixels[..., 1])
            and np.array_equal(pixels[..., 1], pixels[..., 2])
        )
    return DecodedImage(pixels, grey, (width, height), source_mode)


def _corrupt(exc: Exception) -> ImageProblem:
    return ImageProblem(
        "corrupt",
        f"cannot decode ({exc})",
        "the file is damaged or truncated; re-export it or delete it",
    )


def to_l_or_rgb(image: Image.Image, background: int) -> Image.Image:
    """Bring any Pillow mode to 8-bit "L" or "RGB"; transparency is composited on `background`."""
    mode = image.mode
    if mode in _HIGH_BIT_MODES:
        values = np.asarray(image).astype(np.float64)
        peak = float(values.max()) if values.size else 0.0
        if mode == "F" and peak <= 1.0:
            values = values * 255.0
        elif peak > 255.0 or mode.startswith("I;16"):
            values = values / 257.0
        return Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8), mode="L")
    if mode == "1":
        return image.convert("L")
    if mode in _ALPHA_MODES or "transparency" in image.info:
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (background, background, background, 255))
        composed = Image.alpha_composite(canvas, rgba)
        return composed.convert("L" if mode in ("LA", "La") else "RGB")
    if mode in ("L", "RGB"):
        return image
    return image.convert("RGB")


def fit_square(image: Image.Image, config: DataConfig) -> Image.Image:
    """`pad`: keep aspect, pad with the background; `crop`: fill the square, centre crop."""
    size = config.size
    width, height = image.size
    scale = size / max(width, height) if config.fit == "pad" else size / min(width, height)
    new_w = max(1, round(width * scale))
    new_h = max(1, round(height * scale))
    if (new_w, new_h) != (width, height):
        image = image.resize((new_w, new_h), Image.Resampling.LANCZOS, reducing_gap=3.0)
    if config.fit == "crop":
        left = (new_w - size) // 2
        top = (new_h - size) // 2
        return image.crop((left, top, left + size, top + size))
    if (new_w, new_h) == (size, size):
        return image
    fill = config.background if image.mode == "L" else (config.background,) * 3
    canvas = Image.new(image.mode, (size, size), fill)
    canvas.paste(image, ((size - new_w) // 2, (size - new_h) // 2))
    return canvas
