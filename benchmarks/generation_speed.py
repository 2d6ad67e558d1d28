"""Time to generate 64 images at a model's size from a model folder (median of repeats).

Baseline in the same run: the same weights with StyleGAN2's grouped-convolution modulation.
Like the CLI, it first makes glibc keep freed memory for reuse (`reuse_freed_memory`);
`--default-allocator` leaves the allocator as it is, to measure what that buys.

Run: .venv/bin/python benchmarks/generation_speed.py MODEL_DIR [--count 64] [--repeats 20]
     [--default-allocator]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import torch

from polystyle.devices import reuse_freed_memory
from polystyle.models.base import build_generator
from polystyle.pipelines import SynthesisPipeline


def median_seconds(pipe: SynthesisPipeline, count: int, repeats: int) -> float:
    style = pipe.style_names[0]
    pipe(style, seeds=range(count))
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        pipe(style, seeds=range(count), truncation=0.7)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--count", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--default-allocator", action="store_true")
    args = parser.parse_args()
    reused = False if args.default_allocator else reuse_freed_memory()
    torch.set_num_threads(os.cpu_count() or 1)
    pipe = SynthesisPipeline.from_pretrained(args.model, device="cpu")
    fast = median_seconds(pipe, args.count, args.repeats)
    grouped = build_generator(
        pipe.meta["architecture"], {**pipe.meta["config"], "modulation": "grouped"}
    )
    grouped.load_state_dict(pipe.generator.state_dict())
    baseline = SynthesisPipeline(grouped.eval(), pipe.meta, pipe.device)
    slow = median_seconds(baseline, args.count, args.repeats)
    size = pipe.meta["image"]["size"]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"freed memory reused: {reused}"
    )
    print(f"{args.count} images at {size} px, median of {args.repeats}\n")
    print("| path | seconds | images/s |")
    print("|---|---|---|")
    print(f"| polystyle (activation modulation) | {fast:.3f} | {args.count / fast:.0f} |")
    print(f"| baseline (grouped-conv modulation) | {slow:.3f} | {args.count / slow:.0f} |")
    print(f"\nratio: {slow / fast:.2f}x faster")


if __name__ == "__main__":
    main()
