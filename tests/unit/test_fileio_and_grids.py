import json
from pathlib import Path

import pytest
import torch

from polystyle.fileio import atomic_directory, atomic_write_json
from polystyle.sampling.grids import make_grid


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    atomic_write_json(target, {"step": 1})
    atomic_write_json(target, {"step": 2})
    assert json.loads(target.read_text()) == {"step": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
    assert target.stat().st_mode & 0o044  # readable by others, like a normal file


def test_failed_atomic_directory_leaves_old_content(tmp_path: Path) -> None:
    target = tmp_path / "entry"
    with atomic_directory(target) as tmp:
        (tmp / "a.txt").write_text("old")
    with pytest.raises(RuntimeError), atomic_directory(target, replace=True) as tmp:
        (tmp / "a.txt").write_text("half-written")
        raise RuntimeError("killed mid-write")
    assert (target / "a.txt").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["entry"]


def test_make_grid_places_images_row_by_row() -> None:
    images = torch.stack([torch.full((1, 4, 4), v, dtype=torch.uint8) for v in (0, 50, 100)])
    sheet = make_grid(images, columns=2, padding=1)
    assert sheet.size == (2 * 5 + 1, 2 * 5 + 1)
    assert sheet.getpixel((1, 1)) == 0
    assert sheet.getpixel((6, 1)) == 50
    assert sheet.getpixel((1, 6)) == 100
    assert sheet.getpixel((6, 6)) == 255  # empty cell stays background


def test_make_grid_rejects_float_tensors() -> None:
    with pytest.raises(ValueError, match="uint8"):
        make_grid(torch.zeros(1, 3, 4, 4), columns=1)
