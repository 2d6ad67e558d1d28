"""What the composition count reads on fonts-cjk: real glyphs against known collapses.

`metrics.diversity.composition_count` (the Vendi score of 16 px layouts) is meant to count the
distinct compositions among a style's images. For each font this prints it for 64 real glyphs
drawn at random, for 64 copies of one of them and for 16 copies each of four of them. Every
copy is shifted by up to 3 px each way and noised, as a generator's variants of one
composition would be, so the count is tested against jitter it must not mistake for variety.

Run: .venv/bin/python benchmarks/composition_count.py [--data DIR] [--seed 0]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch

from polystyle.config.run import load_run_config
from polystyle.data import StyleFolder
from polystyle.data.builtin import build_dataset
from polystyle.metrics.diversity import composition_count

IMAGES = 64
SHIFT = 3  # px each way
NOISE = 0.1  # std of the added noise, pixels in [0, 1]


def jittered_copies(glyphs: torch.Tensor, count: int, g: torch.Generator) -> torch.Tensor:
    """`count` uint8 copies of `glyphs` in turn, each rolled by a random shift and noised."""
    shifts = torch.randint(-SHIFT, SHIFT + 1, (count, 2), generator=g).tolist()
    copies = torch.stack(
        [torch.roll(glyphs[i % len(glyphs)], (dy, dx), (1, 2)) for i, (dy, dx) in enumerate(shifts)]
    ).float()
    noisy = copies + NOISE * 255 * torch.randn(copies.shape, generator=g)
    return noisy.clamp(0, 255).to(torch.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="where fonts-cjk is built (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data_config = load_run_config("cpu-64").data
    data = args.data or Path(tempfile.gettempdir()) / f"fonts-cjk-{data_config.size}"
    root, _ = build_dataset("fonts-cjk", data, size=data_config.size)
    folder = StyleFolder.open(root, data_config)
    g = torch.Generator().manual_seed(args.seed)
    print(f"{IMAGES} images per set, shifts up to {SHIFT} px, noise std {NOISE}, seed {args.seed}")
    print("| style | 64 real glyphs | 4 glyphs, jittered copies | 1 glyph, jittered copies |")
    print("|---|---|---|---|")
    for style, name in enumerate(folder.style_names):
        images = folder.images[folder.labels == style]
        real = images[torch.randperm(len(images), generator=g)[:IMAGES]]
        four = jittered_copies(real[:4], IMAGES, g)
        one = jittered_copies(real[:1], IMAGES, g)
        print(
            f"| {name} | {composition_count(real):.1f} | {composition_count(four):.1f} "
            f"| {composition_count(one):.1f} |"
        )


if __name__ == "__main__":
    main()
