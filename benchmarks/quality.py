"""Style accuracy and within-style diversity of a trained model on its dataset.

The judge is metrics.style_accuracy's classifier (trained on the real train split; its own
accuracy on the real test split is printed as the upper reference). Baselines in the same
run: the same architecture and config, untrained (chance level for the judge), and the real
data's own within-style diversity, as mean pairwise pixel distance and as MobileNetV2 feature
distance (pixels count blur and grey background as variety; features see a generator that
draws one composition per style), and the effective number of compositions among 64 images
of each style (a Vendi score of their layouts), generated over real; and layout agreement:
whether one seed keeps its content across the styles, beside one file name's in the data.

Run: .venv/bin/python benchmarks/quality.py MODEL_DIR DATA_DIR [--per-style 128]
     [--truncation 1.0] [--judge-epochs 20]
"""

from __future__ import annotations

import argparse
import math
import os
import platform

import torch

from judged_runs import PER_STYLE, style_diversities
from polystyle.config import DataConfig
from polystyle.data import StyleFolder
from polystyle.devices import reuse_freed_memory
from polystyle.metrics.diversity import layout_agreement
from polystyle.metrics.evaluation import real_layout_agreement
from polystyle.metrics.style_accuracy import (
    ClassifierSettings,
    classifier_for,
    per_style_accuracy,
)
from polystyle.models.base import build_generator
from polystyle.pipelines import SynthesisPipeline


def evaluate(pipe: SynthesisPipeline, judge, names, per_style: int, truncation: float):
    """Style accuracy, within-style diversities and layout agreement; every style draws
    seeds 0 .. per_style - 1, so item i of each style comes from one z."""
    images, labels = [], []
    for i, name in enumerate(names):
        out = pipe(name, seeds=range(per_style), truncation=truncation)
        images.append(out.tensor)
        labels.append(torch.full((per_style,), i))
    images_t, labels_t = torch.cat(images), torch.cat(labels)
    accuracy = per_style_accuracy(judge.model.predict(images_t), labels_t, names)
    by_style = images_t.view(len(names), per_style, *images_t.shape[1:])
    agreement = layout_agreement(by_style[:, :PER_STYLE]) if len(names) > 1 else math.nan
    diversities = style_diversities({n: images_t[labels_t == i] for i, n in enumerate(names)})
    return accuracy, diversities, agreement


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("data")
    parser.add_argument("--per-style", type=int, default=128)
    parser.add_argument("--truncation", type=float, default=1.0)
    parser.add_argument(
        "--judge-epochs",
        type=int,
        default=ClassifierSettings().epochs,
        help="the judge's training epochs (6 = the judge of figures before 2026-12-02's)",
    )
    args = parser.parse_args()
    reuse_freed_memory()
    torch.set_num_threads(os.cpu_count() or 1)
    pipe = SynthesisPipeline.from_pretrained(args.model, device="cpu")
    folder = StyleFolder.open(args.data, DataConfig(size=pipe.meta["image"]["size"]))
    names = pipe.style_names
    if names != folder.style_names:
        raise SystemExit(f"model styles {names} differ from the dataset's {folder.style_names}")
    judge = classifier_for(folder, ClassifierSettings(epochs=args.judge_epochs))
    torch.manual_seed(0)
    untrained = build_generator(pipe.meta["architecture"], pipe.meta["config"]).eval()
    chance = SynthesisPipeline(untrained, pipe.meta, pipe.device)
    acc, div, agreement = evaluate(pipe, judge, names, args.per_style, args.truncation)
    acc0, _, _ = evaluate(chance, judge, names, args.per_style, args.truncation)
    real_agreement, unrelated_agreement = real_layout_agreement(folder, PER_STYLE)
    real_div = style_diversities(
        {n: folder.images[folder.labels == i][: args.per_style] for i, n in enumerate(names)}
    )
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}")
    print(
        f"model {args.model}, {args.per_style} images per style, truncation {args.truncation}, "
        f"judge trained {args.judge_epochs} epochs"
    )
    print(f"training: {pipe.meta.get('training', {})}\n")
    print(
        "| style | judge on real test | trained model | untrained baseline "
        "| diversity generated | diversity real | ratio | feature diversity ratio "
        "| composition ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for n in names:
        print(
            f"| {n} | {judge.real_test_accuracy[n]:.3f} | {acc[n]:.3f} | {acc0[n]:.3f} "
            f"| {div[n].pixel:.3f} | {real_div[n].pixel:.3f} "
            f"| {div[n].pixel / real_div[n].pixel:.2f} "
            f"| {div[n].feature / real_div[n].feature:.2f} "
            f"| {div[n].compositions / real_div[n].compositions:.2f} |"
        )
    mean = lambda values: sum(values) / len(values)  # noqa: E731
    pixel = mean([d.pixel for d in div.values()])
    real_pixel = mean([d.pixel for d in real_div.values()])
    feature = mean([d.feature for d in div.values()]) / mean([d.feature for d in real_div.values()])
    compositions = mean([d.compositions for d in div.values()]) / mean(
        [d.compositions for d in real_div.values()]
    )
    print(
        f"| **mean** | {mean(list(judge.real_test_accuracy.values())):.3f} "
        f"| {mean(list(acc.values())):.3f} | {mean(list(acc0.values())):.3f} "
        f"| {pixel:.3f} | {real_pixel:.3f} | {pixel / real_pixel:.2f} | {feature:.2f} "
        f"| {compositions:.2f} |"
    )
    print(
        f"\nlayout agreement (one seed in every style, {PER_STYLE} seeds): {agreement:.3f}; "
        f"one file name in every style of the data {real_agreement:.3f}, different names "
        f"{unrelated_agreement:.3f}; ratio to the data {agreement / real_agreement:.2f}"
    )


if __name__ == "__main__":
    main()
