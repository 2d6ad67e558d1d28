"""What the judge, and the model's own discriminator, call each style a model draws.

`quality.py` gives each style's accuracy; this says where the misses go, and whether the
model's discriminator (its auxiliary style classifier, which trained the generator) agrees.
A style the discriminator names right and the judge does not is one the generator draws
with features its own classifier accepts and an independent classifier of real glyphs
does not. The discriminator's reading of real test images is printed beside it, as its
upper reference. The D columns mean something only for models trained with
`loss.style_class_weight` > 0, where that head is trained. Styles the judge names right at
least `--show-below` of the time are left out.

Run: .venv/bin/python benchmarks/style_confusion.py DATA_DIR MODEL_DIR [MODEL_DIR ...]
     [--per-style 128] [--truncation 1.0] [--show-below 0.95]
"""

from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path

import torch

from judged_runs import models_on_data
from polystyle.metrics.style_accuracy import ClassifierSettings, classifier_for
from polystyle.models.folder import load_discriminator
from polystyle.sampling.images import to_float


def named_counts(predicted: torch.Tensor, names: list[str], skip: int) -> str:
    counts = torch.bincount(predicted, minlength=len(names))
    others = [f"{names[j]} {int(c)}" for j, c in enumerate(counts) if c and j != skip]
    return ", ".join(others) or "-"


@torch.no_grad()
def discriminator_labels(discriminator, images: torch.Tensor) -> torch.Tensor:
    """The style head's pick among the real styles (an ADC-GAN head also has a class per
    style drawn by G, after them)."""
    logits = discriminator.style_head(discriminator.features(to_float(images)))
    return logits[:, : discriminator.config.num_styles].argmax(dim=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("models", nargs="+")
    parser.add_argument("--per-style", type=int, default=128)
    parser.add_argument("--truncation", type=float, default=1.0)
    parser.add_argument("--show-below", type=float, default=0.95)
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    pipes, folder = models_on_data(args.data, args.models)
    judge = classifier_for(folder, ClassifierSettings())
    test = folder.indices("test") or list(range(len(folder)))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}")
    print(
        "| model | style | judge: named right | judge: named instead | D: named right "
        "| D: named instead | D on real test |"
    )
    print("|---|---|---|---|---|---|---|")
    for model, pipe in pipes.items():
        names = pipe.style_names
        if names != folder.style_names:
            raise SystemExit(f"{model}: styles {names} differ from the dataset's")
        discriminator = load_discriminator(Path(model))
        if discriminator is None:
            raise SystemExit(f"{model} keeps no discriminator; export it from its run folder")
        discriminator.eval()
        for i, name in enumerate(names):
            images = pipe(name, seeds=range(args.per_style), truncation=args.truncation).tensor
            by_judge = judge.model.predict(images)
            right = int((by_judge == i).sum())
            if right >= args.show_below * args.per_style:
                continue
            by_d = discriminator_labels(discriminator, images)
            real = [j for j in test if folder.labels[j] == i]
            real_right = (discriminator_labels(discriminator, folder.images[real]) == i).float()
            print(
                f"| {model} | {name} | {right}/{args.per_style} | "
                f"{named_counts(by_judge, names, i)} | {int((by_d == i).sum())}/{args.per_style} "
                f"| {named_counts(by_d, names, i)} | {real_right.mean():.3f} |"
            )


if __name__ == "__main__":
    main()
