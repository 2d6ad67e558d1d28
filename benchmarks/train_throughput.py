"""Training throughput on fonts-cjk: real images through D per second, per preset.

For each preset (cpu-32, cpu-64) it times full training steps (D step with lazy R1, G step,
EMA) after a warm-up, in blocks, and reports the median block. The baseline, measured in the
same run with the same weights and data, is the same generator using StyleGAN2's reference
grouped-convolution modulation; the ratio is what the CPU-friendly activation-side path buys.

Run: .venv/bin/python benchmarks/train_throughput.py [--blocks 5] [--steps 20] [--threads 2]
     [--set key=value ...]   (e.g. --set train.precision=auto: the same presets in bf16)
     [--option key=value ...]   (the cost of an option: the preset with these overrides
     against the same preset without them, instead of against the grouped-conv baseline)
     [--default-allocator]   (like the CLI, it first makes glibc keep freed memory for reuse;
     this leaves the allocator as it is, to measure what that buys)
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch

from polystyle.config.run import load_run_config
from polystyle.data import StyleFolder
from polystyle.data.builtin import build_dataset
from polystyle.devices import reuse_freed_memory
from polystyle.training.trainer import Trainer


def images_per_second(
    preset: str, modulation: str, args: argparse.Namespace, work: Path, option: list[str]
) -> float:
    config = load_run_config(
        preset,
        [
            f"model.generator.modulation={modulation}",
            f"train.threads={args.threads}",
            "train.log_every=100000",
            "train.sample_every=100000",
            "train.checkpoint_every=100000",
            "train.checkpoint_minutes=100000",
            *args.overrides,
            *option,
        ],
    )
    root, _ = build_dataset("fonts-cjk", work / f"fonts-{config.data.size}", size=config.data.size)
    folder = StyleFolder.open(root, config.data, cache_dir=work / "cache")
    run_dir = work / f"run-{preset}-{modulation}-{len(option)}"
    trainer = Trainer(config, folder, run_dir, stream=io.StringIO())
    for _ in range(args.warmup):
        trainer.train_step()
    blocks = []
    for _ in range(args.blocks):
        started = time.perf_counter()
        for _ in range(args.steps):
            trainer.train_step()
        blocks.append(args.steps * config.train.batch / (time.perf_counter() - started))
    return statistics.median(blocks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default="cpu-32,cpu-64")
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20, help="steps per timed block")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--set", dest="overrides", nargs="*", default=[], help="key=value overrides, all presets"
    )
    parser.add_argument(
        "--option", nargs="*", default=[], help="key=value overrides timed against none"
    )
    parser.add_argument("--default-allocator", action="store_true")
    args = parser.parse_args()
    reused = False if args.default_allocator else reuse_freed_memory()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for preset in args.presets.split(","):
            if args.option:
                fast = images_per_second(preset, "activation", args, Path(tmp), args.option)
                base = images_per_second(preset, "activation", args, Path(tmp), [])
            else:
                fast = images_per_second(preset, "activation", args, Path(tmp), [])
                base = images_per_second(preset, "grouped", args, Path(tmp), [])
            rows.append(f"| {preset} | {fast:.1f} | {base:.1f} | {fast / base:.2f}x |")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {args.threads} threads, "
        f"torch {torch.__version__}; overrides {args.overrides}; freed memory reused: {reused}"
    )
    print(f"median of {args.blocks} blocks x {args.steps} steps after {args.warmup} warm-up\n")
    if args.option:
        print(f"| preset | with {' '.join(args.option)} img/s | without img/s | ratio |")
    else:
        print("| preset | polystyle img/s | baseline (grouped-conv modulation) img/s | ratio |")
    print("|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
