"""Reference-guided style: does an image encoded from style X generate images judged X?

Every test-split image of the dataset is used as a reference (never seen in training); the
model draws one image from its style code (seed = the image's index) and the style judge
(metrics.style_accuracy) labels it. The code is the default `blend` (the known styles the
encoder recognises). Baselines in the same run: the encoder's raw embedding
(`reference_code="encoder"`), the same seeds drawn from the style *label* (what the generator
itself reaches; the reference path cannot beat it by much), and the encoder's own
classification of the references.

Run: .venv/bin/python benchmarks/reference_accuracy.py MODEL_DIR DATA_DIR
"""

from __future__ import annotations

import argparse
import os
import platform

import torch

from polystyle.config import DataConfig
from polystyle.data import StyleFolder
from polystyle.metrics.style_accuracy import classifier_for, per_style_accuracy
from polystyle.pipelines import SynthesisPipeline
from polystyle.sampling.images import to_uint8
from polystyle.sampling.seeds import z_from_seeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("data")
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    pipe = SynthesisPipeline.from_pretrained(args.model, device="cpu")
    image = pipe.meta["image"]
    folder = StyleFolder.open(args.data, DataConfig(size=image["size"], channels=image["channels"]))
    names = pipe.style_names
    judge = classifier_for(folder)
    test = folder.indices("test")
    references, labels = folder.images[test], folder.labels[test]
    seeds = list(range(len(test)))
    embedding, probabilities = pipe.encode_reference(list(references))
    raw, _ = pipe.encode_reference(list(references), code="encoder")
    weights = torch.stack([pipe.style_weights(names[int(i)]) for i in labels])
    from_reference = per_style_accuracy(
        judge.model.predict(_draw(pipe, seeds, embedding, probabilities)), labels, names
    )
    from_raw = per_style_accuracy(
        judge.model.predict(_draw(pipe, seeds, raw, probabilities)), labels, names
    )
    from_label = per_style_accuracy(
        judge.model.predict(_draw(pipe, seeds, None, weights)), labels, names
    )
    encoder = per_style_accuracy(probabilities.argmax(dim=1), labels, names)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}")
    print(
        f"model {args.model}; {len(test)} test-split references; "
        f"judge {judge.mean_real_accuracy:.3f} on real test\n"
    )
    print(
        "| style | references | judged as that style (from reference, blend code) "
        "| from reference, raw encoder code (baseline) | from the label (baseline) "
        "| encoder's own label accuracy |"
    )
    print("|---|---|---|---|---|---|")
    columns = (from_reference, from_raw, from_label, encoder)
    for i, n in enumerate(names):
        cells = " | ".join(f"{c[n]:.3f}" for c in columns)
        print(f"| {n} | {int((labels == i).sum())} | {cells} |")
    means = " | ".join(f"{sum(c.values()) / len(c):.3f}" for c in columns)
    print(f"| **mean** | {len(test)} | {means} |")


@torch.no_grad()
def _draw(
    pipe: SynthesisPipeline,
    seeds: list[int],
    embedding: torch.Tensor | None,
    weights: torch.Tensor,
) -> torch.Tensor:
    """One image per seed, from reference embeddings (weights: the truncation centre) or,
    with `embedding=None`, from the style weights themselves."""
    z = z_from_seeds(seeds, pipe.generator.config.z_dim)
    ws = pipe.codes(weights, z, embedding=embedding)
    return to_uint8(pipe.generator.synthesis(ws))


if __name__ == "__main__":
    main()
