"""Training recipes at equal images seen: a preset plus each recipe's overrides, on fonts-cjk.

A recipe is `NAME:key=value;key=value` (`--set` overrides of `--preset`, default cpu-64;
`NAME:` alone is the preset as it is); fonts-cjk is built at the preset's image size. For
each, every `--every` kimg and at each `--truncation`, this prints the style judge's accuracy
on 64 images per style from the EMA generator (mean, weakest style) and the within-style
diversity ratios to the real data's (pixel and MobileNetV2 feature distance; the second sees
a collapse of composition the first misses), the composition ratio, and the layout agreement
ratio (does one z keep its layout across the styles, as one character does across fonts),
then the recipe's training throughput (median of timed blocks), so quality per kimg can be
traded against images per second. Recipes run one after another; to use both cores on two
recipes, start two processes with `--threads 1`. With `--grids DIR`, each judged point's
sample grid goes to DIR/NAME/seed-S/; with `--models DIR`, the final model folder goes to
DIR/NAME/seed-S/. `--folder DIR` trains on any style folder instead (e.g. a subset of
fonts-cjk); the judge is then trained on that folder's train split.

Run: .venv/bin/python benchmarks/recipes.py --recipe NAME:OVERRIDES [--recipe ...]
     [--preset cpu-64] [--kimg 18] [--every 6] [--truncation 1,0.7] [--threads N] [--grids DIR]
     [--models DIR] [--data DIR | --folder DIR]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import tempfile
from pathlib import Path

import torch

from budget import images_per_second
from judged_runs import PER_STYLE, QUIET, real_diversity, train_judged
from polystyle.config.run import load_run_config
from polystyle.data import StyleFolder
from polystyle.data.builtin import build_dataset
from polystyle.devices import reuse_freed_memory
from polystyle.metrics.evaluation import real_layout_agreement
from polystyle.metrics.style_accuracy import classifier_for
from polystyle.training.trainer import Trainer


def parse_recipe(text: str) -> tuple[str, list[str]]:
    name, sep, overrides = text.partition(":")
    if not sep or not name:
        raise SystemExit(f"--recipe {text!r}: use NAME:key=value;key=value (or NAME:)")
    return name, [item for item in overrides.split(";") if item.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", action="append", required=True, type=parse_recipe)
    parser.add_argument("--preset", default="cpu-64")
    parser.add_argument("--kimg", type=float, default=18.0)
    parser.add_argument("--every", type=float, default=6.0)
    parser.add_argument(
        "--truncation",
        type=lambda text: [float(t) for t in text.split(",")],
        default=[1.0],
        help="comma-separated truncations to judge at (1 = none), e.g. 1,0.7",
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data", type=Path, help="where fonts-cjk is built (default: a temp dir)")
    source.add_argument("--folder", type=Path, help="train on this style folder, not fonts-cjk")
    parser.add_argument("--grids", type=Path, help="write each recipe's sample grids here")
    parser.add_argument("--models", type=Path, help="write each recipe's final model folder here")
    args = parser.parse_args()
    reuse_freed_memory()
    torch.set_num_threads(args.threads)
    data_config = load_run_config(args.preset).data
    if args.folder:
        root = args.folder
    else:
        data = args.data or Path(tempfile.gettempdir()) / f"fonts-cjk-{data_config.size}"
        root, _ = build_dataset("fonts-cjk", data, size=data_config.size)
    folder = StyleFolder.open(root, data_config)
    judge = classifier_for(folder)
    real = real_diversity(folder)
    real_agreement, unrelated_agreement = real_layout_agreement(folder, PER_STYLE)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"{args.threads} threads, preset {args.preset}"
    )
    print(
        f"real layout agreement: one character across the styles {real_agreement:.3f}, "
        f"different characters {unrelated_agreement:.3f} (ratio "
        f"{unrelated_agreement / real_agreement:.2f})"
    )
    print(
        "| recipe | kimg | steps | truncation | style acc. mean | weakest style "
        "| pixel diversity ratio | feature diversity ratio | composition ratio "
        "| layout agreement ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    speeds = {}
    for name, recipe in args.recipe:
        overrides = [*recipe, *QUIET, f"train.threads={args.threads}"]
        config = load_run_config(args.preset, [*overrides, f"train.kimg={args.kimg}"])
        # Per seed: two processes running one recipe with different seeds must not overwrite
        # each other's grids.
        grids = args.grids / name / f"seed-{config.train.seed}" if args.grids else None
        model = args.models / name / f"seed-{config.train.seed}" if args.models else None
        judgements = train_judged(
            config, folder, judge, args.every, real, real_agreement, args.truncation, grids, model
        )
        for j in judgements:
            print(
                f"| {name} | {j.kimg:.1f} | {j.step} | {j.truncation:g} | {j.mean:.3f} "
                f"| {j.weakest:.2f} ({j.weakest_style}) | {j.diversity_ratio:.2f} "
                f"| {j.feature_diversity_ratio:.2f} | {j.composition_ratio:.2f} "
                f"| {j.agreement_ratio:.2f} |",
                flush=True,
            )
        with tempfile.TemporaryDirectory() as work:
            speed_config = load_run_config(args.preset, overrides)
            trainer = Trainer(speed_config, folder, Path(work) / "speed", stream=io.StringIO())
            speeds[name] = images_per_second(trainer, config.train.batch)
    first = next(iter(speeds.values()))
    for name, speed in speeds.items():
        print(f"{name}: {speed:.1f} img/s, {speed / first:.2f}x the first recipe's")


if __name__ == "__main__":
    main()
