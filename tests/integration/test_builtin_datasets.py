from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from polystyle.config import DataConfig
from polystyle.data import StyleFolder
from polystyle.data.builtin import build_dataset, fonts_cjk
from polystyle.data.builtin.emoji import build_emoji, normalise_key
from polystyle.data.builtin.glyphs import GlyphRenderer
from polystyle.data.builtin.output import BuildRequest
from polystyle.errors import DatasetError, MissingDependencyError

STYLES = ["brush-kaisho", "brush-sosho", "fangsong", "hei", "kai", "ming", "pixel", "round"]


def test_fonts_cjk_builds_eight_paired_styles(tmp_path: Path) -> None:
    out, built = build_dataset("fonts-cjk", tmp_path / "fc", size=32, limit=24)
    assert built
    folder = StyleFolder.open(out, DataConfig(size=32))
    assert folder.style_names == STYLES
    assert [s.count for s in folder.styles] == [24] * 8
    assert len(folder.pairs) == 24 and folder.channels == 1
    assert "kaishu" in folder.styles[STYLES.index("kai")].description
    licences = (out / "LICENSES.md").read_text()
    assert "fonts-arphic-ukai" in licences and "fonts-misaki" in licences
    stamp = json.loads((out / "build.json").read_text())
    assert stamp["characters"].startswith("一是人")
    images = folder.images.float()
    assert images.min() == 0 and images.max() == 255  # black ink on white
    border = folder.images[:, :, 0, :]
    assert border.float().mean() > 250  # margin: top row is white
    per_style = images.view(8, 24, -1).mean(dim=(1, 2))
    assert len({round(v, 1) for v in per_style.tolist()}) == 8  # the styles really differ


def test_fonts_cjk_build_is_deterministic_and_cached(tmp_path: Path) -> None:
    a, _ = build_dataset("fonts-cjk", tmp_path / "a", size=32, limit=10)
    b, _ = build_dataset("fonts-cjk", tmp_path / "b", size=32, limit=10)
    files = sorted(p.relative_to(a) for p in a.rglob("*.png"))
    assert len(files) == 80
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    mtime = (a / "build.json").stat().st_mtime_ns
    started = time.perf_counter()
    _, built = build_dataset("fonts-cjk", a, size=32, limit=10)
    assert not built and time.perf_counter() - started < 1.0
    assert (a / "build.json").stat().st_mtime_ns == mtime
    _, rebuilt = build_dataset("fonts-cjk", a, size=32, limit=10, force=True)
    assert rebuilt


def test_build_refuses_to_overwrite_a_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    with pytest.raises(DatasetError, match="not a polystyle dataset build"):
        build_dataset("fonts-cjk", tmp_path / "mine", size=32, limit=4)
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"


def test_missing_font_names_the_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    real = fonts_cjk.find_font
    monkeypatch.setattr(
        fonts_cjk, "find_font", lambda name: None if name == "misaki_gothic.ttf" else real(name)
    )
    with pytest.raises(MissingDependencyError, match="apt-get install -y fonts-misaki"):
        fonts_cjk.locate_fonts()


def test_blank_glyphs_are_detected() -> None:
    path = fonts_cjk.locate_fonts()["hei"]
    renderer = GlyphRenderer(str(path), 0, 32)
    assert renderer.render(" ") is None
    assert renderer.render("\u3000") is None  # ideographic space: mapped, but no ink
    glyph = renderer.render("永")
    assert glyph is not None and glyph.size == (32, 32)
    assert np.asarray(glyph).min() < 50


def fake_node_modules(root: Path) -> Path:
    """The file layout of the three npm packages, with three emoji drawn as coloured shapes."""
    modules = root / "node_modules"
    catalogue = [
        {"unified": "1F600", "sort_order": 2},
        {"unified": "2764-FE0F", "sort_order": 1},
        {"unified": "1F44D", "sort_order": 3},
        {"unified": "1F9FF", "sort_order": 4},  # missing from OpenMoji: not paired, left out
    ]
    google = modules / "emoji-datasource-google"
    (google / "img/google/64").mkdir(parents=True)
    (google / "emoji.json").write_text(json.dumps(catalogue))
    twitter = modules / "emoji-datasource-twitter/img/twitter/64"
    twitter.mkdir(parents=True)
    for entry in catalogue:
        name = entry["unified"].lower() + ".png"
        Image.new("RGBA", (64, 64), (255, 0, 0, 255)).save(google / "img/google/64" / name)
        Image.new("RGBA", (64, 64), (0, 0, 255, 128)).save(twitter / name)
    svg = (
        '<svg viewBox="0 0 72 72" xmlns="http://www.w3.org/2000/svg">'
        '<circle cx="36" cy="36" r="20" fill="{}"/></svg>'
    )
    for sub, colour in (("color", "#00ff00"), ("black", "#000000")):
        folder = modules / "openmoji" / sub / "svg"
        folder.mkdir(parents=True)
        for code in ("1F600", "2764", "1F44D"):
            (folder / f"{code}.svg").write_text(svg.format(colour))
    return modules


def test_emoji_builder_pairs_vendors_by_code_point(tmp_path: Path) -> None:
    modules = fake_node_modules(tmp_path / "npm")
    out = build_emoji(BuildRequest("emoji", tmp_path / "emoji", 32, None), modules=modules)
    folder = StyleFolder.open(out, DataConfig(size=32))
    assert folder.style_names == ["google", "openmoji", "openmoji-black", "twitter"]
    assert sorted(p.name for p in (out / "google").iterdir()) == [
        "u1f44d.png",
        "u1f600.png",
        "u2764.png",
    ]
    assert len(folder.pairs) == 3 and folder.channels == 3
    twitter = folder.image(folder.style_id("twitter") * 3)
    assert twitter[:, 16, 16].tolist() == [127, 127, 255]  # half-transparent blue on white
    openmoji = folder.image(folder.style_id("openmoji") * 3)
    assert openmoji[:, 16, 16].tolist() == [0, 255, 0] and openmoji[:, 0, 0].tolist() == [255] * 3
    assert "CC-BY-SA-4.0" in (out / "LICENSES.md").read_text()


def test_emoji_key_drops_variation_selectors() -> None:
    assert normalise_key("0023-FE0F-20E3") == "0023-20e3"
    assert normalise_key("2764-fe0f") == "2764"


@pytest.mark.slow
def test_real_emoji_build_has_four_styles_with_a_thousand_pairs(tmp_path: Path) -> None:
    out, _ = build_dataset("emoji", tmp_path / "emoji", size=64)
    folder = StyleFolder.open(out)
    assert folder.style_names == ["google", "openmoji", "openmoji-black", "twitter"]
    assert all(folder.pairs.paired_count(s.id) >= 1000 for s in folder.styles)
    assert not folder.problems
