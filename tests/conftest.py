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
