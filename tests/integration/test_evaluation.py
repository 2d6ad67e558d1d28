"""`polystyle evaluate` end to end on a tiny trained model, and the style-accuracy sanity check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from polystyle.config import DataConfig
from polystyle.data import StyleFolder
from polystyle.errors import ConfigError
from polystyle.metrics.evaluation import DEFAULT_METRICS, EvalContext, evaluate
from polystyle.metrics.style_accuracy import ClassifierSettings, classifier_for
from tests.e2e.test_cli import polystyle
from tests.e2e.test_train_cli import train_args

STABLE_KEYS = {"split", "n_generated", "n_real", "counts", "seed", "metrics", "seconds"}


@pytest.fixture(scope="module")
def toy_folder(tmp_path_factory: pytest.TempPathFactory) -> StyleFolder:
    from tests.conftest import toy_shapes

    root = toy_shapes(tmp_path_factory.mktemp("toy"), per_style=40)
    return StyleFolder.open(root, DataConfig(size=16, test_fraction=0.25))


def test_mislabelled_generator_gets_low_style_accuracy(toy_folder: StyleFolder) -> None:
    test = toy_folder.indices("test")
    images, labels = toy_folder.images[test], toy_folder.labels[test]
    honest = evaluate(EvalContext(images, labels, toy_folder), ["style_accuracy"])
    swapped = evaluate(EvalContext(images, 1 - labels, toy_folder), ["style_accuracy"])
    honest_acc = honest["metrics"]["style_accuracy"]["generated"]["mean"]
    swapped_acc = swapped["metrics"]["style_accuracy"]["generated"]["mean"]
    assert honest_acc > 0.9 and swapped_acc < 0.1
    counts = torch.tensor(swapped["metrics"]["style_accuracy"]["confusion"]["counts"])
    assert counts.sum() == len(test) and counts.trace() < 0.1 * len(test)
    # real against itself: FD-style is ~0, swapped styles are far apart per style
    fd = honest["metrics"]["style_accuracy"]["fd_style"]
    assert fd["overall"] < 1e-6
    assert min(swapped["metrics"]["style_accuracy"]["fd_style"]["per_style"].values()) > 1.0


def test_judges_with_different_settings_are_cached_apart(toy_folder: StyleFolder) -> None:
    narrow = ClassifierSettings(width=4, min_steps=20)
    wide = ClassifierSettings(width=8, min_steps=20)
    for settings in (narrow, wide):
        judge = classifier_for(toy_folder, settings)
        assert judge.model.head.in_features == settings.width * 4
    cached = sorted(p.name for p in Path(toy_folder.cache_dir).glob("style-classifier-*"))
    assert sum("width4" in name for name in cached) == 2, cached
    assert sum("width8" in name for name in cached) == 2, cached
    assert classifier_for(toy_folder, wide).model.head.in_features == 32  # loaded, not mixed up


def test_memorisation_flags_a_copying_generator(toy_folder: StyleFolder) -> None:
    train = toy_folder.indices("train")[:20]
    copies = toy_folder.images[train]
    report = evaluate(EvalContext(copies, toy_folder.labels[train], toy_folder), ["diversity"])
    memo = report["metrics"]["diversity"]["memorisation"]
    assert memo["generated_to_train"] == {"mean": 0.0, "min": 0.0}
    assert memo["real_to_train"]["mean"] > 0.05


def test_compositions_count_one_image_drawn_over_and_over(toy_folder: StyleFolder) -> None:
    """A generator that draws one image per style has one composition per style, counted
    at as many images as the real side."""
    labels = toy_folder.labels.unique().repeat_interleave(12)
    firsts = [int((toy_folder.labels == s).nonzero()[0]) for s in labels.tolist()]
    report = evaluate(EvalContext(toy_folder.images[firsts], labels, toy_folder), ["diversity"])
    for counts in report["metrics"]["diversity"]["per_style"].values():
        assert counts["compositions"]["generated"] == pytest.approx(1.0)
        assert counts["compositions"]["real"] > 1.5
        assert counts["compositions"]["images"] <= 12


def test_layout_agreement_tells_kept_content_from_lost(tmp_path: Path) -> None:
    """Real pairs drawn as if one seed per stem keep their layout across styles and score
    the real level; the same images with the stems mismatched score the unrelated level."""
    from tests.conftest import toy_pairs

    folder = StyleFolder.open(toy_pairs(tmp_path / "pairs", stems=24), DataConfig(size=16))
    stems = [ids for ids in folder.pairs.by_stem.values()][:16]
    kept = torch.stack([folder.images[[ids[s] for ids in stems]] for s in (0, 1)])
    lost = torch.stack([kept[0], kept[1].roll(1, dims=0)])
    labels = folder.labels[:4]
    scores = [
        evaluate(
            EvalContext(folder.images[:4], labels, folder, split="all", restyled=restyled),
            ["layout_agreement"],
        )["metrics"]["layout_agreement"]
        for restyled in (kept, lost)
    ]
    assert scores[0]["generated"] == pytest.approx(scores[0]["real"])
    assert scores[1]["generated"] == pytest.approx(scores[1]["unrelated"])
    assert scores[0]["real"] > scores[0]["unrelated"] + 0.3
    assert scores[0]["seeds"] == 16
    one_style = EvalContext(folder.images[:4], labels, folder, split="all", restyled=kept[:1])
    alone = evaluate(one_style, ["layout_agreement"])["metrics"]["layout_agreement"]
    assert alone["generated"] is None and "two or more styles" in alone["note"]
    with pytest.raises(ConfigError, match="shared_seed_samples"):
        evaluate(EvalContext(folder.images[:4], labels, folder, split="all"), ["layout_agreement"])


def test_evaluate_cli_writes_stable_reports(toy_data: Path, tmp_path: Path) -> None:
    trained = polystyle(*train_args(toy_data, tmp_path, "--kimg", "0.04", "--json"))
    assert trained.returncode == 0, trained.stderr
    model = Path(json.loads(trained.stdout.strip().splitlines()[-1])["model"])
    args = ["evaluate", str(model), "--data", str(toy_data), "--n", "24", "--split", "all"]
    first = polystyle(*args, "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report.keys() >= STABLE_KEYS
    assert report["n_generated"] == 24 and report["n_real"] == 80
    metrics = report["metrics"]
    assert set(metrics) == set(DEFAULT_METRICS) and "layout_agreement" in metrics
    assert -1 <= metrics["layout_agreement"]["generated"] <= 1
    assert metrics["layout_agreement"]["seeds"] == 12  # --n 24 over two styles
    assert metrics["fid"]["overall"] > 0 and set(metrics["fid"]["per_style"]) == {
        "circle",
        "square",
    }
    assert 0 <= metrics["precision_recall"]["precision"] <= 1
    for name in ("metrics.json", "report.md", "confusion.png"):
        assert (model / "eval" / name).is_file()
    written = (model / "eval" / "report.md").read_text()
    assert "FID@24" in written and "layout agreement, 12 seeds" in written
    again = json.loads(polystyle(*args, "--json", "--metrics", "fid,kid").stdout)
    assert again["metrics"]["fid"] == metrics["fid"] and again["metrics"]["kid"] == metrics["kid"]


def test_evaluate_cli_rejects_bad_flags(toy_data: Path, tmp_path: Path) -> None:
    trained = polystyle(*train_args(toy_data, tmp_path, "--kimg", "0.02", "--json"))
    model = json.loads(trained.stdout.strip().splitlines()[-1])["model"]
    bad = polystyle("evaluate", model, "--data", str(toy_data), "--metrics", "fid,inception_score")
    assert bad.returncode == 2 and "inception_score" in bad.stderr and "kid" in bad.stderr
    other = tmp_path / "other"
    for style in ("a", "b"):
        (other / style).mkdir(parents=True)
        for i in range(3):
            shutil.copy(toy_data / "circle" / f"{i:03d}.png", other / style / f"{i}.png")
    mismatch = polystyle("evaluate", model, "--data", str(other), "--n", "4")
    assert mismatch.returncode == 2 and "differ" in mismatch.stderr
    split = polystyle("evaluate", model, "--data", str(toy_data), "--split", "holdout")
    assert split.returncode == 2 and "--split" in split.stderr
    assert all("Traceback" not in r.stderr for r in (bad, mismatch, split))
