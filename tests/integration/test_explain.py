"""`polystyle explain` on a tiny, barely trained model: files, stable keys, what must hold."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image

from polystyle.config import DataConfig
from polystyle.data import StyleFolder
from polystyle.errors import ConfigError
from polystyle.explain import ExplainSettings, explain_model, pick_styles
from polystyle.explain.directions import direction_sweep
from polystyle.explain.layers import GroupEffect, LayerAttribution, layer_groups, style_pairs
from polystyle.explain.strength import strength_sweep
from polystyle.explain.style_map import style_map
from polystyle.metrics.style_accuracy import classifier_for
from polystyle.models.base import build_generator
from polystyle.pipelines import SynthesisPipeline
from polystyle.sampling.seeds import z_from_seeds
from tests.conftest import toy_shapes
from tests.e2e.test_cli import polystyle
from tests.e2e.test_train_cli import train_args

SMALL = ExplainSettings(map_codes_per_style=16, map_samples_per_style=4, layer_seeds=4)
PNGS = ("style_map.png", "strength.png", "layers_judge.png", "layers_features.png")
TOP_KEYS = {
    "format_version",
    "model",
    "data",
    "seed",
    "settings",
    "judge",
    "style_map",
    "strength",
    "layers",
    "directions",
}
SECTION_KEYS = {
    "style_map": {"image", "explained", "between_style_share", "styles", "extra"},
    "strength": {"skipped", "image", "style_a", "style_b", "seed", "t", "p_a", "p_b", "crossover"},
    "layers": {"skipped", "images", "pairs", "seeds", "groups", "all_layers", "sentence"},
    "directions": {"image", "style", "seed", "sigmas", "directions"},
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A module-wide polystyle cache, so the toy model and its judge are built once."""
    root = tmp_path_factory.mktemp("explain")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POLYSTYLE_CACHE_DIR", str(root / "cache"))
        yield root


@pytest.fixture(scope="module")
def model(workspace: Path) -> Path:
    data = toy_shapes(workspace / "toy")
    trained = polystyle(*train_args(data, workspace, "--kimg", "0.04", "--json"))
    assert trained.returncode == 0, trained.stderr
    return Path(json.loads(trained.stdout.strip().splitlines()[-1])["model"])


@pytest.fixture(scope="module")
def folder(workspace: Path, model: Path) -> StyleFolder:
    return StyleFolder.open(workspace / "toy", DataConfig(size=16, channels=1))


@pytest.fixture(scope="module")
def pipe(model: Path) -> SynthesisPipeline:
    return SynthesisPipeline.from_pretrained(model, device="cpu")


@pytest.fixture(scope="module")
def report(workspace: Path, pipe: SynthesisPipeline, folder: StyleFolder) -> dict[str, Any]:
    return explain_model(pipe, folder, workspace / "page", seed=3, settings=SMALL)


def test_page_pngs_and_stable_keys(workspace: Path, report: dict[str, Any]) -> None:
    out = workspace / "page"
    saved = json.loads((out / "explain.json").read_text())
    assert saved == report
    assert set(report) == TOP_KEYS
    for section, keys in SECTION_KEYS.items():
        assert set(report[section]) == keys, section
    page = (out / "index.html").read_text()
    for name in (*PNGS, "directions.png"):
        assert Image.open(out / name).size[0] > 0
        assert f'src="{name}"' in page
    assert report["layers"]["sentence"] in page
    accuracy = report["judge"]["real_test_accuracy"]
    assert set(accuracy) == {"circle", "square"}
    assert all(0 <= v <= 1 for v in accuracy.values())


def test_strength_sweep_has_eleven_valid_frames(
    report: dict[str, Any], pipe: SynthesisPipeline, folder: StyleFolder
) -> None:
    section = report["strength"]
    assert section["t"] == [i / 10 for i in range(11)]
    assert (section["style_a"], section["style_b"], section["seed"]) == ("circle", "square", 3)
    for p_a, p_b in zip(section["p_a"], section["p_b"], strict=True):
        assert 0 <= p_a <= 1 and 0 <= p_b <= 1 and p_a + p_b == pytest.approx(1, abs=1e-5)
    crossover = section["crossover"]
    assert crossover is None or section["p_b"][section["t"].index(crossover)] >= 0.5
    sweep = strength_sweep(pipe, classifier_for(folder).model, "circle", "square", seed=3)
    assert sweep.frames.shape == (11, 1, 16, 16)
    assert torch.equal(sweep.frames[0], pipe("circle", seeds=[3]).tensor[0])
    assert torch.equal(sweep.frames[-1], pipe("square", seeds=[3]).tensor[0])


def test_layer_groups_cover_every_layer_once(
    report: dict[str, Any], pipe: SynthesisPipeline
) -> None:
    section = report["layers"]
    num_ws = pipe.generator.num_ws
    covered = sorted(i for group in section["groups"] for i in group["layers"])
    assert covered == list(range(num_ws))
    resolutions = [group["resolution"] for group in section["groups"]]
    assert resolutions == sorted(set(resolutions)) == [4, 8, 16]
    assert section["all_layers"]["layers"] == list(range(num_ws))
    assert section["pairs"] == [["circle", "square"], ["square", "circle"]]
    for group in section["groups"]:
        assert -1 <= group["delta_p"] <= 1 and group["feature_distance"] >= 0
    assert any(f"the {g['label']} layers" in section["sentence"] for g in section["groups"])
    assert [label for label, _, _ in layer_groups(pipe.generator)] == ["4 px", "8 px", "16 px"]


def test_style_pairs_are_capped_by_a_seeded_choice() -> None:
    names = [f"s{i}" for i in range(5)]
    assert len(style_pairs(names, 100)) == 20
    chosen = style_pairs(names, 12, seed=1)
    assert len(chosen) == 12 and chosen == style_pairs(names, 12, seed=1)
    assert all(a != b for a, b in chosen)


def _effect(label: str, delta_p: float, distance: float, sem: float = 0.01) -> GroupEffect:
    return GroupEffect(label, None, [0], delta_p, sem, distance, sem)


def test_layer_sentence_states_only_the_measurements() -> None:
    every = _effect("all layers", 0.9, 0.5)
    clear = LayerAttribution(
        [_effect("4 px", 0.41, 0.05), _effect("8 px", 0.1, 0.2)], every, [], 16, 0.95
    )
    assert clear.sentence == (
        "Swapping the 4 px layers moves the judge most (Δp = +0.41); the 8 px layers change "
        "MobileNetV2 features most (distance 0.200)."
    )
    close = LayerAttribution(
        [_effect("4 px", 0.41, 0.3, sem=0.1), _effect("8 px", 0.38, 0.1, sem=0.1)],
        every,
        [],
        16,
        0.5,
    )
    assert "4 px layers moves the judge most (Δp = +0.41, not clearly ahead of the 8 px" in (
        close.sentence
    )
    assert "the same layers change MobileNetV2 features most" in close.sentence
    assert close.sentence.endswith(
        "The judge scores only 50% on real test images, so Δp is a weak signal."
    )
    nothing = LayerAttribution([_effect("4 px", -0.1, 0.3)], every, [], 16, None)
    assert nothing.sentence.startswith("No single layer group moves the judge toward")


def test_directions_rows_have_seven_frames(
    report: dict[str, Any], pipe: SynthesisPipeline, folder: StyleFolder
) -> None:
    section = report["directions"]
    assert section["sigmas"] == [-3, -2, -1, 0, 1, 2, 3]
    assert [d["index"] for d in section["directions"]] == [0, 1, 2, 3, 4]
    shares = [d["explained"] for d in section["directions"]]
    assert shares == sorted(shares, reverse=True) and 0 < sum(shares) <= 1
    assert all(len(d["p_style"]) == 7 for d in section["directions"])
    sweep = direction_sweep(pipe, classifier_for(folder).model, "circle", seed=3, k=2)
    assert sweep.frames.shape == (2, 7, 1, 16, 16)
    assert torch.equal(sweep.frames[1, 3], pipe("circle", seeds=[3]).tensor[0])
    assert torch.equal(sweep.frames[1, 6], pipe("circle", seeds=[3], directions={1: 3.0}).tensor[0])


def test_style_map_projects_extra_codes_onto_the_same_axes(pipe: SynthesisPipeline) -> None:
    z = z_from_seeds(range(5, 8), pipe.generator.config.z_dim)
    codes = pipe.codes(pipe.style_weights("square").expand(3, -1), z)
    mapped = style_map(pipe, seed=5, codes_per_style=8, samples_per_style=3, extra={"mine": codes})
    assert torch.allclose(mapped.extra["mine"], mapped.samples[1], atol=1e-4)
    assert mapped.thumbnails.shape == (2, 1, 16, 16)
    assert 0 < float(mapped.explained.sum()) <= 1 + 1e-6
    assert 0 <= mapped.between_style_share <= 1


def test_two_runs_give_the_same_numbers_and_pictures(
    workspace: Path, report: dict[str, Any], pipe: SynthesisPipeline, folder: StyleFolder
) -> None:
    again = explain_model(pipe, folder, workspace / "again", seed=3, settings=SMALL)
    assert again == report
    for name in (*PNGS, "directions.png"):
        assert (workspace / "again" / name).read_bytes() == (workspace / "page" / name).read_bytes()


def test_single_code_architecture_skips_layers(workspace: Path, folder: StyleFolder) -> None:
    meta = {
        "architecture": "dcgan",
        "styles": [{"name": "circle"}, {"name": "square"}],
        "image": {"size": 16, "channels": 1},
    }
    generator = build_generator("dcgan", {"size": 16, "channels": 1, "num_styles": 2}).eval()
    dcgan = SynthesisPipeline(generator, meta, torch.device("cpu"))
    out = workspace / "dcgan"
    report = explain_model(dcgan, folder, out, settings=SMALL)
    assert "one style code for all layers" in report["layers"]["skipped"]
    assert set(report["layers"]) == SECTION_KEYS["layers"] and report["layers"]["groups"] == []
    assert "Skipped: the dcgan architecture" in (out / "index.html").read_text()
    assert not (out / "layers_judge.png").exists()
    assert len(report["strength"]["t"]) == 11 and (out / "directions.png").is_file()


def test_pick_styles_validates_names() -> None:
    assert pick_styles(["a", "b", "c"], None, None) == ("a", "b")
    assert pick_styles(["a", "b", "c"], None, "a") == ("b", "a")
    assert pick_styles(["a"], None, None) is None
    with pytest.raises(ConfigError, match="--style-a 'x': unknown style"):
        pick_styles(["a", "b"], "x", None)
    with pytest.raises(ConfigError, match="both 'a'"):
        pick_styles(["a", "b"], "a", "a")
    with pytest.raises(ConfigError, match="layer_seeds=0"):
        ExplainSettings(layer_seeds=0)


def test_cli_writes_the_page_and_needs_data_it_can_find(model: Path, tmp_path: Path) -> None:
    out = tmp_path / "page"
    done = polystyle("explain", str(model), "--out", str(out), "--seed", "1", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["index"] == str(out / "index.html") and (out / "index.html").is_file()
    assert set(result) == TOP_KEYS | {"index"}

    old = tmp_path / "old-model"
    shutil.copytree(model, old)
    meta = json.loads((old / "model.json").read_text())
    del meta["training"]["data"]
    (old / "model.json").write_text(json.dumps(meta))
    missing = polystyle("explain", str(old))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "pass --data" in missing.stderr and "does not record" in missing.stderr

    meta["training"]["data"] = str(tmp_path / "gone")
    (old / "model.json").write_text(json.dumps(meta))
    gone = polystyle("explain", str(old), "--style-a", "circle")
    assert gone.returncode == 2 and "no longer exists; pass --data" in gone.stderr

    wrong = polystyle("explain", str(model), "--out", str(out), "--style-b", "triangle")
    assert wrong.returncode == 2 and "--style-b 'triangle': unknown style" in wrong.stderr
