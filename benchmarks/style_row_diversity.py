"""One style's within-style diversity for several models, over the same style's real images.

`quality.py` needs a model with every style of the data, as its judge is trained on them.
This compares one style across models that need not share their styles, such as a model
trained on that style alone against the style's row in an 8-style model: pixel and MobileNetV2
feature distance and the composition count (the measures `quality.py` prints), generated over
real.

Run: .venv/bin/python benchmarks/style_row_diversity.py DATA_DIR STYLE MODEL_DIR [MODEL_DIR ...]
     [--per-style 128] [--truncation 1.0]
"""

from __future__ import annotations

import argparse
import os
import platform

import torch

from judged_runs import models_on_data, style_diversities


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("style")
    parser.add_argument("models", nargs="+")
    parser.add_argument("--per-style", type=int, default=128)
    parser.add_argument("--truncation", type=float, default=1.0)
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    pipes, folder = models_on_data(args.data, args.models)
    if args.style not in folder.style_names:
        raise SystemExit(f"{args.data} has no style {args.style!r}: {folder.style_names}")
    label = folder.style_names.index(args.style)
    real_images = folder.images[folder.labels == label][: args.per_style]
    real = style_diversities({"real": real_images})["real"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}")
    print(f"style {args.style}: {args.per_style} images, truncation {args.truncation}\n")
    print("| model | kimg | pixel ratio | feature diversity ratio | composition ratio |")
    print("|---|---|---|---|---|")
    for model, pipe in pipes.items():
        out = pipe(args.style, seeds=range(args.per_style), truncation=args.truncation)
        div = style_diversities({"generated": out.tensor})["generated"]
        kimg = pipe.meta.get("training", {}).get("kimg", float("nan"))
        print(
            f"| {model} | {kimg:.1f} | {div.pixel / real.pixel:.2f} "
            f"| {div.feature / real.feature:.2f} | {div.compositions / real.compositions:.2f} |"
        )


if __name__ == "__main__":
    main()
