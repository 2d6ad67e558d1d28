from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from polystyle.config import DataConfig
from polystyle.data import StyleFolder
from polystyle.data import images as images_module
from polystyle.errors import DatasetError
from tests.conftest import save_image, solid


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.lstat().st_size, p.lstat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
    }


def test_open_builds_tensors_labels_and_manifest(paired_folder: Path) -> None:
    folder = StyleFolder.open(paired_folder, DataConfig(size=16))
    assert folder.style_names == ["alpha", "beta", "gamma"]
    assert folder.images.shape == (36, 1, 16, 16)
    assert folder.images.dtype == torch.uint8
    assert folder.labels.tolist() == [0] * 12 + [1] * 12 + [2] * 12
    image, label = folder[13]
    assert label == 1 and image.shape == (1, 16, 16)
    assert folder.mode == "memory" and folder.channels == 1
    manifest = json.loads((folder.cache_dir / "styles.json").read_text())
    assert [(s["name"], s["id"], s["count"]) for s in manifest["styles"]] == [
        ("alpha", 0, 12),
        ("beta", 1, 12),
        ("gamma", 2, 12),
    ]
    assert manifest["styles"][0]["description"] == "alpha style"


def test_second_open_hits_the_cache_and_a_change_misses(paired_folder: Path) -> None:
    first = StyleFolder.open(paired_folder, DataConfig(size=16))
    second = StyleFolder.open(paired_folder, DataConfig(size=16))
    assert not first.from_cache and second.from_cache
    assert torch.equal(first.images, second.images)
    assert second.records == first.records
    save_image(paired_folder / "alpha" / "s00.png", solid(20, 0))
    third = StyleFolder.open(paired_folder, DataConfig(size=16))
    assert not third.from_cache
    assert third.images[0].max() == 0


def test_polystyle_never_writes_into_the_users_folder(paired_folder: Path) -> None:
    before = snapshot(paired_folder)
    StyleFolder.open(paired_folder, DataConfig(size=16))
    StyleFolder.open(paired_folder, DataConfig(size=16))
    assert snapshot(paired_folder) == before


def test_lazy_mode_gives_the_same_pixels_as_memory(paired_folder: Path) -> None:
    memory = StyleFolder.open(paired_folder, DataConfig(size=16, cache="memory"))
    lazy = StyleFolder.open(paired_folder, DataConfig(size=16, cache="lazy"))
    assert lazy.mode == "lazy"
    assert torch.equal(lazy.images, memory.images)
    assert StyleFolder.open(paired_folder, DataConfig(size=16, cache="lazy")).from_cache


def test_auto_mode_goes_lazy_above_the_memory_limit(paired_folder: Path) -> None:
    config = DataConfig(size=256, memory_limit_mb=1)
    assert StyleFolder.open(paired_folder, config).mode == "lazy"


def test_channels_auto_forced_and_luma(tmp_path: Path) -> None:
    root = tmp_path / "mixed"
    save_image(root / "a" / "grey.png", solid(8, 100))
    save_image(root / "b" / "red.png", solid(8, (255, 0, 0)))
    assert StyleFolder.open(root, DataConfig(size=16)).channels == 3
    grey = StyleFolder.open(root, DataConfig(size=16, channels=1))
    assert grey.images.shape[1] == 1
    assert int(grey.image(1)[0, 8, 8]) == 76  # 0.299 * 255, luma of pure red


def test_splits_are_by_stem_same_in_every_style(tmp_path: Path) -> None:
    root = tmp_path / "many"
    for style in ("x", "y", "z"):
        for i in range(120):
            save_image(root / style / f"g{i:03d}.png", solid(4, i))
    folder = StyleFolder.open(root, DataConfig(size=16, val_fraction=0.2, test_fraction=0.2))
    split_by_stem: dict[str, set[str]] = {}
    for record in folder.records:
        split_by_stem.setdefault(record.stem, set()).add(record.split)
    assert all(len(splits) == 1 for splits in split_by_stem.values())
    parts = [
        set(map(folder.records.__getitem__, folder.indices(s))) for s in ("train", "val", "test")
    ]
    stems = [{r.stem for r in part} for part in parts]
    assert not (stems[0] & stems[1]) and not (stems[0] & stems[2]) and not (stems[1] & stems[2])
    assert all(len(s) > 0 for s in stems)
    assert len(folder.pairs) == 120
    assert folder.pairs.pairs(0, 2)[0] == (0, 240)


def test_descriptions_come_from_a_root_styles_json(paired_folder: Path) -> None:
    (paired_folder / "styles.json").write_text(json.dumps({"beta": "  bold\n strokes "}))
    folder = StyleFolder.open(paired_folder, DataConfig(size=16))
    assert [s.description for s in folder.styles] == ["alpha style", "bold strokes", "gamma style"]
    assert not folder.problems  # styles.json in the root is metadata, not a loose file
    cached = json.loads((folder.cache_dir / "styles.json").read_text())
    assert cached["styles"][1]["description"] == "bold strokes"


def test_invalid_root_styles_json_names_the_file(paired_folder: Path) -> None:
    (paired_folder / "styles.json").write_text("{not json")
    with pytest.raises(DatasetError, match=r"styles\.json is not valid JSON"):
        StyleFolder.open(paired_folder, DataConfig(size=16))


def png_bytes(value: int, size: int = 8) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(solid(size, value)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def messy_folder(tmp_path: Path) -> Path:
    """Every bad-input case next to good images."""
    root = tmp_path / "messy"
    good = root / "good"
    for i in range(4):
        save_image(good / f"ok{i}.png", solid(8, 10 * i))
    save_image(good / "書法-ü.png", solid(8, 50))  # non-ASCII names are fine
    (good / "zero.png").write_bytes(b"")
    noise = Image.effect_noise((64, 64), 40).convert("RGB")
    for fmt, name in (("PNG", "truncated.png"), ("JPEG", "cut.jpg")):
        encoded = io.BytesIO()
        noise.save(encoded, format=fmt)
        (good / name).write_bytes(encoded.getvalue()[: len(encoded.getvalue()) // 2])
    (good / "notes.png").write_text("this is text, not a PNG")
    save_image(good / "huge.png", solid(400, 7))
    (good / "locked.png").write_bytes(png_bytes(3))
    (good / "readme.txt").write_text("hello")
    save_image(good / "ok0.webp", solid(8, 0))  # duplicate stem of ok0.png
    save_image(good / "sub" / "deep.png", solid(8, 1))
    os.symlink("loop", good / "loop")  # a link to itself
    os.symlink("missing.png", good / "dangling.png")
    save_image(root / "thin" / "only.png", solid(8, 200))
    (root / "empty").mkdir()
    save_image(root / "loose.png", solid(8, 0))
    return root


def test_every_bad_input_is_skipped_and_reported(
    messy_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = open

    def guarded_open(path, mode="r", *args, **kwargs):
        if str(path).endswith("locked.png"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(images_module, "open", guarded_open, raising=False)
    folder = StyleFolder.open(
        messy_folder, DataConfig(size=16, min_per_style=2, max_pixels=100_000)
    )
    kinds = {p.path: p.kind for p in folder.problems}
    assert kinds == {
        "empty": "empty-style",
        "good/dangling.png": "broken-link",
        "good/huge.png": "too-large",
        "good/locked.png": "unreadable",
        "good/loop": "symlink-loop",
        "good/notes.png": "not-an-image",
        "good/ok0.webp": "duplicate-stem",
        "good/readme.txt": "not-an-image",
        "good/sub": "nested-folder",
        "good/cut.jpg": "corrupt",
        "good/truncated.png": "corrupt",
        "good/zero.png": "empty",
        "loose.png": "loose-file",
        "thin": "too-few-images",
    }
    assert folder.style_names == ["good"]
    assert sorted(r.path for r in folder.records) == sorted(
        ["good/ok0.png", "good/ok1.png", "good/ok2.png", "good/ok3.png", "good/書法-ü.png"]
    )
    for problem in folder.problems:
        assert problem.fix and problem.path in problem.line()
    reopened = StyleFolder.open(
        messy_folder, DataConfig(size=16, min_per_style=2, max_pixels=100_000)
    )
    assert reopened.from_cache
    assert {p.path: p.kind for p in reopened.problems} == kinds


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_chmod_000_file_is_reported(paired_folder: Path) -> None:
    locked = paired_folder / "alpha" / "s01.png"
    locked.chmod(0)
    try:
        folder = StyleFolder.open(paired_folder, DataConfig(size=16))
    finally:
        locked.chmod(0o644)
    assert [p.kind for p in folder.problems] == ["unreadable"]


def test_empty_root_is_fatal_and_names_the_folder(tmp_path: Path) -> None:
    (tmp_path / "nothing").mkdir()
    with pytest.raises(DatasetError, match=r"no usable style in .*nothing.*<root>/<style>/"):
        StyleFolder.open(tmp_path / "nothing")


def test_only_bad_styles_is_fatal_and_says_why(tmp_path: Path) -> None:
    (tmp_path / "bad" / "kai").mkdir(parents=True)
    (tmp_path / "bad" / "kai" / "x.png").write_bytes(b"")
    with pytest.raises(DatasetError, match=r"kai/x\.png: file is empty"):
        StyleFolder.open(tmp_path / "bad")


def test_missing_root_and_file_root_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist"):
        StyleFolder.open(tmp_path / "nope")
    (tmp_path / "file.png").write_bytes(b"x")
    with pytest.raises(DatasetError, match="is a file, not a folder"):
        StyleFolder.open(tmp_path / "file.png")


def test_symlinked_style_folder_pointing_at_the_root_is_not_followed(paired_folder: Path) -> None:
    os.symlink(paired_folder, paired_folder / "zeta")
    folder = StyleFolder.open(paired_folder, DataConfig(size=16))
    assert folder.style_names == ["alpha", "beta", "gamma"]
    assert {p.kind for p in folder.problems} == {"nested-folder", "empty-style"}


def test_pixels_survive_the_round_trip(tmp_path: Path) -> None:
    root = tmp_path / "exact"
    pattern = np.arange(256, dtype=np.uint8).reshape(16, 16)
    save_image(root / "s" / "p.png", pattern)
    folder = StyleFolder.open(root, DataConfig(size=16))
    assert np.array_equal(folder.image(0)[0].numpy(), pattern)
