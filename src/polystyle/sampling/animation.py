"""Frames -> files: animated GIF, WebP or MP4 (picked by suffix) and a one-row PNG strip.

Frames are uint8 `F x C x H x W` with C = 1 (greyscale) or 3, as the samplers produce them.
GIF and WebP need only Pillow; MP4 needs the optional `imageio` + `imageio-ffmpeg`, so a
missing one is reported before any rendering is spent (`check_format`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import torch
from PIL import features

from polystyle.errors import ConfigError
from polystyle.sampling.grids import make_grid
from polystyle.sampling.images import to_pil

# GIF stores delays in 1/100 s and most viewers replace delays under 2/100 s with 1/10 s.
GIF_MAX_FPS = 50


def webp_animation_supported() -> bool:
    """Pillow < 11 could be built with WebP but without animation (the `webp_anim` feature);
    later versions drop that feature name because WebP support always includes animation."""
    if "webp_anim" in features.features:
        return bool(features.check_feature("webp_anim"))
    return bool(features.check_module("webp"))


def mp4_supported() -> bool:
    return all(importlib.util.find_spec(name) for name in ("imageio", "imageio_ffmpeg"))


def check_format(path: Path, fps: float) -> None:
    """Refuse an output this machine cannot write, naming the fix."""
    suffix = path.suffix.lower()
    if suffix not in WRITERS:
        raise ConfigError(
            f"--out {path}: unknown animation format {suffix or '(no suffix)'!r}; "
            f"end the name in {', '.join(WRITERS)}"
        )
    if not 0 < fps <= (GIF_MAX_FPS if suffix == ".gif" else float("inf")):
        limit = f" (GIF plays at most {GIF_MAX_FPS})" if suffix == ".gif" else ""
        raise ConfigError(f"--fps {fps}: use a positive frame rate{limit}, e.g. --fps 12")
    if suffix == ".webp" and not webp_animation_supported():
        raise ConfigError(
            f"--out {path}: this Pillow was built without animated WebP; write .gif instead "
            "or install a Pillow wheel with WebP (pip install --force-reinstall pillow)"
        )
    if suffix == ".mp4" and not mp4_supported():
        raise ConfigError(
            f"--out {path}: MP4 needs imageio and imageio-ffmpeg "
            "(pip install imageio imageio-ffmpeg); or write .gif / .webp"
        )


def save_animation(frames: torch.Tensor, path: Path, fps: float) -> Path:
    check_format(path, fps)
    path.parent.mkdir(parents=True, exist_ok=True)
    WRITERS[path.suffix.lower()](frames, path, fps)
    return path


def save_gif(frames: torch.Tensor, path: Path, fps: float) -> Path:
    """A looping GIF. Pillow merges identical consecutive frames into one longer frame, so
    `n_frames` can be below `len(frames)` while the playback time stays the same."""
    images = [to_pil(frame) for frame in frames]
    images[0].save(
        path,
        save_all=True,
        append_images=images[1:],
        duration=round(1000 / fps),
        loop=0,
    )
    return path


def save_webp(frames: torch.Tensor, path: Path, fps: float) -> Path:
    """A looping lossless WebP: lossless keeps the frames bit-exact, which also makes the
    file deterministic; WebP has no greyscale mode, so grey frames are stored as RGB."""
    images = [to_pil(frame).convert("RGB") for frame in frames]
    images[0].save(
        path,
        save_all=True,
        append_images=images[1:],
        duration=round(1000 / fps),
        loop=0,
        lossless=True,
    )
    return path


def save_mp4(frames: torch.Tensor, path: Path, fps: float) -> Path:
    """H.264 via imageio-ffmpeg; players expect 3 channels, so grey frames are repeated."""
    import imageio.v2 as imageio

    pixels = frames.expand(-1, 3, -1, -1) if frames.shape[1] == 1 else frames
    imageio.mimwrite(path, list(pixels.permute(0, 2, 3, 1).numpy()), fps=fps)
    return path


def save_strip(frames: torch.Tensor, path: Path) -> Path:
    """All frames side by side in one PNG: the whole path at a glance, for pages and reviews
    where an animation does not play."""
    path.parent.mkdir(parents=True, exist_ok=True)
    make_grid(frames, columns=len(frames)).save(path)
    return path


WRITERS: dict[str, Callable[[torch.Tensor, Path, float], Path]] = {
    ".gif": save_gif,
    ".webp": save_webp,
    ".mp4": save_mp4,
}
