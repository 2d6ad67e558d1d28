"""Shared fixtures: every test gets its own polystyle cache; images are made, never shipped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if torch.cuda.is_available():
        return
    no_gpu = pytest.mark.skip(reason="needs CUDA; this machine has none")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(no_gpu)


@pytest.fixture(autouse=True)
def isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    cache = tmp_path_factory.mktemp("polystyle-cache")
    monkeypatch.setenv("POLYSTYLE_CACHE_DIR", str(cache))
    return cache


def save_image(path: Path, array: np.ndarray, mode: str | None = None, **save_kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array, mode).save(path, **save_kwargs)
    return path


def solid(size: int, value: int | tuple[int, int, int]) -> np.ndarray:
    if isinstance(value, int):
        return np.full((size, size), value, dtype=np.uint8)
    return np.full((size, size, 3), value, dtype=np.uint8)


@pytest.fixture
def paired_folder(tmp_path: Path) -> Path:
    """3 grey styles x 12 stems, each style a distinct grey level, every stem in every style."""
    root = tmp_path / "paired"
    for level, style in ((30, "alpha"), (120, "beta"), (210, "gamma")):
        for i in range(12):
            pattern = solid(20, level)
            pattern[i % 20, :] = 255 - level
            save_image(root / style / f"s{i:02d}.png", pattern)
    return root


def toy_shapes(root: Path, per_style: int = 40, size: int = 16, seed: int = 0) -> Path:
    """Two styles a classifier (and a GAN) can learn: filled circles vs hollow squares."""
    from PIL import ImageDraw

    rng = np.random.default_rng(seed)
    for style in ("circle", "square"):
        for i in range(per_style):
            image = Image.new("L", (size, size), 255)
            draw = ImageDraw.Draw(image)
            r = int(rng.integers(size // 5, size // 3 + 1))
            cx, cy = (int(v) for v in rng.integers(r, size - r, size=2))
            box = (cx - r, cy - r, cx + r, cy + r)
            if style == "circle":
                draw.ellipse(box, fill=0)
            else:
                draw.rectangle(box, outline=0, width=2)
            (root / style).mkdir(parents=True, exist_ok=True)
            image.save(root / style / f"{i:03d}.png")
    return root


def toy_pairs(root: Path, stems: int = 48, size: int = 16, seed: int = 0) -> Path:
    """Two paired styles: for each stem one square at one place, filled ("solid") or drawn
    as an outline ("outline"). A translator must keep the place and change the rendering."""
    from PIL import ImageDraw

    rng = np.random.default_rng(seed)
    for i in range(stems):
        half = int(rng.integers(size // 5, size // 3 + 1))
        cx, cy = (int(v) for v in rng.integers(half, size - half, size=2))
        box = (cx - half, cy - half, cx + half - 1, cy + half - 1)
        for style in ("solid", "outline"):
            image = Image.new("L", (size, size), 255)
            draw = ImageDraw.Draw(image)
            if style == "solid":
                draw.rectangle(box, fill=0)
            else:
                draw.rectangle(box, outline=0, width=1)
            (root / style).mkdir(parents=True, exist_ok=True)
            image.save(root / style / f"{i:03d}.png")
    return root


TINY_LOOP = [
    "model.discriminator.channel_base=256",
    "model.discriminator.channel_max=16",
    "train.log_every=2",
    "train.sample_every=1000",
    "train.checkpoint_every=1000",
    "train.checkpoint_minutes=60",
    "train.samples_per_style=2",
    "train.threads=1",
    # The same arithmetic on every CPU (cpu-32 and cpu-64 pick bf16 where it is native); the
    # bf16 path has tests of its own.
    "train.precision=fp32",
]

TINY_TRANSLATE = [
    *TINY_LOOP,
    "data.size=16",
    "data.test_fraction=0.2",
    "model.generator={stem: 2, width: 8, channel_max: 32, downsamples: 2, res_blocks: 1, z_dim: 4, "
    "embedding_dim: 16, style_dim: 16}",
    "model.encoder.channel_base=256",
    "model.encoder.channel_max=16",
    "loss.perceptual_weight=0",
    "train.batch=8",
]

TINY_TRAIN = [
    *TINY_LOOP,
    "data.size=16",
    "model.generator.w_dim=32",
    "model.generator.channel_base=256",
    "model.generator.channel_max=16",
    "train.batch=8",
]


@pytest.fixture
def toy_data(tmp_path: Path) -> Path:
    return toy_shapes(tmp_path / "toy")
