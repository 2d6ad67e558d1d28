"""Batch size on a CPU budget: cpu-64 (stylegan-lite) on fonts-cjk at batch 32, 16 and 8.

At equal images seen (kimg), a smaller batch means more optimizer steps; on 2 cores a
10-minute run is only ~1,500 steps at batch 32, and the style-modulated generator is
step-limited there. For each batch this reports, every `--every` kimg, the style judge's
accuracy on 64 images per style from the EMA generator (mean and weakest style) and the
within-style diversity ratio (mean pairwise pixel distance, generated / real), then the
training throughput at that batch (median of timed blocks), so images/s can be traded
against accuracy per kimg.

Run: .venv/bin/python benchmarks/batch_size.py [--batches 32,16,8] [--kimg 20] [--every 5]
     [--threads N] [--set key=value ...]
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
from polystyle.config.run import load_run_config
from polystyle.data import StyleFolder
from polystyle.data.builtin import build_dataset
from polystyle.metrics.diversity import mean_pairwise_distance
from polystyle.metrics.style_accuracy import classifier_for, per_style_accuracy
from polystyle.models import one_hot
from polystyle.sampling.images import to_float, to_uint8
from polystyle.training.trainer import Trainer

PER_STYLE = 64
QUIET = [
    "train.log_every=100000",
    "train.sample_every=100000",
    "train.checkpoint_every=100000",
    "train.checkpoint_minutes=100000",
]


def judged(trainer: Trainer, judge, real_diversity: float) -> tuple[float, float, float]:
    """(mean style accuracy, weakest style's, diversity ratio) of the EMA generator."""
    styles = trainer.num_styles
    labels = torch.arange(styles).repeat_interleave(PER_STYLE)
    z = torch.randn(len(labels), trainer.z_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        images = to_uint8(trainer.G_ema(z, one_hot(labels, styles)))
    accuracy = per_style_accuracy(judge.model.predict(images), labels, trainer.folder.style_names)
    diversity = sum(
        mean_pairwise_distance(to_float(images[labels == s])) for s in range(styles)
    ) / (styles * real_diversity)
    return sum(accuracy.values()) / styles, min(accuracy.values()), diversity


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", default="32,16,8")
    parser.add_argument("--kimg", type=float, default=20.0)
    parser.add_argument("--every", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--set", action="append", default=[], dest="overrides")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "fonts-cjk-64")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    root, _ = build_dataset("fonts-cjk", args.data, size=64)
    folder = StyleFolder.open(root, load_run_config("cpu-64").data)
    judge = classifier_for(folder)
    styles = len(folder.styles)
    real_diversity = (
        sum(
            mean_pairwise_distance(to_float(folder.images[folder.labels == s]))
            for s in range(styles)
        )
        / styles
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"{args.threads} threads"
    )
    print("| batch | kimg | steps | style acc. mean | weakest style | diversity ratio |")
    print("|---|---|---|---|---|---|")
    speeds = {}
    for batch in [int(b) for b in args.batches.split(",")]:
        overrides = [
            *args.overrides,
            *QUIET,
            f"train.batch={batch}",
            f"train.threads={args.threads}",
        ]
        config = load_run_config("cpu-64", [*overrides, f"train.kimg={args.kimg}"])
        with tempfile.TemporaryDirectory() as work:
            trainer = Trainer(config, folder, Path(work) / "run", stream=io.StringIO())
            chunk = max(1, round(args.every * 1000 / batch))
            reason = "max steps reached"
            while reason == "max steps reached":
                reason = trainer.fit(max_steps=chunk)
                mean, weakest, diversity = judged(trainer, judge, real_diversity)
                print(
                    f"| {batch} | {trainer.state.kimg:.1f} | {trainer.state.step} | {mean:.3f} "
                    f"| {weakest:.2f} | {diversity:.2f} |",
                    flush=True,
                )
            speed_config = load_run_config("cpu-64", overrides)
            speed_trainer = Trainer(
                speed_config, folder, Path(work) / "speed", stream=io.StringIO()
            )
            speeds[batch] = images_per_second(speed_trainer, batch, steps=max(5, 480 // batch))
    for batch, speed in speeds.items():
        print(
            f"batch {batch}: {speed:.1f} img/s, {speed / speeds[max(speeds)]:.2f}x batch "
            f"{max(speeds)}'s"
        )


if __name__ == "__main__":
    main()
