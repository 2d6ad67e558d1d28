"""Dataset build time and load throughput, with a same-run baseline.

Measures, each as the median of `--repeats` runs:
  1. building the built-in dataset(s) from fonts / npm packages (`datasets build --force`),
  2. the first StyleFolder open (scan + decode + write the cache) in images/s,
  3. a cached open (read + hash every file, load the uint8 tensor) in images/s,
  4. one training epoch over the cached tensor (shuffled batches of 64, to float), img/s,
  5. the baseline: decoding every file with Pillow, as a loader without a cache does each
     epoch, in images/s; the table reports cached open / baseline and epoch / baseline.

Run: .venv/bin/python benchmarks/data_load.py [--chars 1000] [--emoji] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from polystyle.config import DataConfig
from polystyle.data import StyleFolder
from polystyle.data.builtin import build_dataset


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def pillow_decode_all(root: Path, size: int) -> int:
    count = 0
    for path in sorted(root.glob("*/*.png")):
        with Image.open(path) as image:
            array = np.asarray(image.convert("L").resize((size, size)))
        torch.from_numpy(array.copy())
        count += 1
    return count


def tensor_epoch(images: torch.Tensor, batch: int = 64) -> None:
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    for start in range(0, len(images), batch):
        images[order[start : start + batch]].float().div_(127.5).sub_(1.0)


def bench(name: str, limit: int | None, size: int, repeats: int, workdir: Path) -> list[str]:
    out = workdir / name
    build_s = median_seconds(
        lambda: build_dataset(name, out, size=size, limit=limit, force=True), repeats
    )
    config = DataConfig(size=size)
    counter = iter(range(10**6))
    first_s = median_seconds(
        lambda: StyleFolder.open(out, config, cache_dir=workdir / f"cache-{next(counter)}"),
        repeats,
    )
    StyleFolder.open(out, config, cache_dir=workdir / "cache-warm")
    cached_s = median_seconds(
        lambda: StyleFolder.open(out, config, cache_dir=workdir / "cache-warm"), repeats + 2
    )
    folder = StyleFolder.open(out, config, cache_dir=workdir / "cache-warm")
    n = len(folder)
    epoch_s = median_seconds(lambda: tensor_epoch(folder.images), repeats)
    baseline_s = median_seconds(lambda: pillow_decode_all(out, size), repeats)
    styles = len([p for p in out.iterdir() if p.is_dir()])
    return [
        f"| {name} ({styles} styles x {n // styles}, {size} px) | {build_s:.2f} s "
        f"| {n / first_s:,.0f} | {n / cached_s:,.0f} | {n / epoch_s:,.0f} "
        f"| {n / baseline_s:,.0f} | {baseline_s / cached_s:.1f}x | {baseline_s / epoch_s:.0f}x |"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=1000)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--emoji", action="store_true", help="also the emoji set (needs npm)")
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows = bench("fonts-cjk", args.chars, args.size, args.repeats, work)
        if args.emoji:
            build_dataset("emoji", work / "emoji-warmup", size=args.size)  # npm install once
            rows += bench("emoji", None, args.size, args.repeats, work)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, torch {torch.__version__}"
    )
    print(f"median of {args.repeats} runs (cached open: {args.repeats + 2})\n")
    print(
        "| dataset | build | first open, img/s | cached open, img/s | epoch from cache, "
        "img/s | baseline Pillow decode, img/s | cached open / baseline "
        "| epoch / baseline |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
