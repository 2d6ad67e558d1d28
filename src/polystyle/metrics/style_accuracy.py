"""Per-style accuracy: does a generated image look like the style it was asked for?

A small CNN is trained on the real *train* split and checked on the real *test* split (its
own accuracy is reported, so a weak judge is visible); it then labels generated images. The
classifier is cached next to the dataset cache, keyed by its settings.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save

from polystyle.data import StyleFolder
from polystyle.fileio import atomic_write_bytes, atomic_write_json
from polystyle.sampling.images import to_float

CLASSIFIER_VERSION = 1


class StyleClassifier(torch.nn.Module):
    def __init__(self, channels: int, num_styles: int, width: int = 32) -> None:
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(channels, width, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(width, width * 2, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(width * 2, width * 4, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool2d(1),
        )
        self.head = torch.nn.Linear(width * 4, num_styles)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """`images`: float in [-1, 1]."""
        return self.head(self.features(images).flatten(1))

    @torch.no_grad()
    def predict(self, images: torch.Tensor, batch: int = 256) -> torch.Tensor:
        """`images`: uint8 N x C x H x W -> predicted style ids."""
        self.eval()
        return torch.cat(
            [
                self(to_float(images[i : i + batch])).argmax(dim=1)
                for i in range(0, len(images), batch)
            ]
        )


@dataclass(frozen=True)
class ClassifierSettings:
    # 20 epochs, not 6: on fonts-cjk 64 px the judge's own real-test accuracy rises from 0.92
    # to 0.97 (brush-kaisho 0.78 -> 0.89), so fewer of its verdicts on generated images are
    # its own mistakes. Trained once per dataset and cached.
    epochs: int = 20
    min_steps: int = 300  # small datasets still get enough optimisation
    batch: int = 64
    lr: float = 2e-3
    width: int = 32
    seed: int = 0


def train_classifier(
    images: torch.Tensor, labels: torch.Tensor, num_styles: int, settings: ClassifierSettings
) -> StyleClassifier:
    generator = torch.Generator().manual_seed(settings.seed)
    torch.manual_seed(settings.seed)
    model = StyleClassifier(images.shape[1], num_styles, settings.width)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
    steps = max(settings.min_steps, settings.epochs * len(images) // settings.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, settings.lr, total_steps=steps)
    model.train()
    for _ in range(steps):
        index = torch.randint(len(images), (settings.batch,), generator=generator)
        loss = F.cross_entropy(model(to_float(images[index])), labels[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    return model.eval()


def per_style_accuracy(
    predicted: torch.Tensor, labels: torch.Tensor, names: list[str]
) -> dict[str, float]:
    return {
        name: float((predicted[labels == i] == i).float().mean())
        for i, name in enumerate(names)
        if (labels == i).any()
    }


@dataclass
class JudgedClassifier:
    model: StyleClassifier
    real_test_accuracy: dict[str, float]

    @property
    def mean_real_accuracy(self) -> float:
        return sum(self.real_test_accuracy.values()) / len(self.real_test_accuracy)


def classifier_for(
    folder: StyleFolder, settings: ClassifierSettings | None = None
) -> JudgedClassifier:
    """Train (or load from the dataset cache) the judge for `folder`."""
    settings = settings or ClassifierSettings()
    key = "-".join(f"{k}{v}" for k, v in asdict(settings).items())
    base = Path(folder.cache_dir) / f"style-classifier-v{CLASSIFIER_VERSION}-{key}"
    # Not with_suffix: the key's "lr0.002" holds a dot, and the settings after it would be cut.
    weights, report = (base.with_name(f"{base.name}{ext}") for ext in (".safetensors", ".json"))
    names = folder.style_names
    model = StyleClassifier(folder.channels, len(names), settings.width)
    if weights.is_file() and report.is_file():
        model.load_state_dict(load_file(str(weights)))
        return JudgedClassifier(model.eval(), json.loads(report.read_text())["real_test"])
    train = folder.indices("train") or list(range(len(folder)))
    test = folder.indices("test") or train
    images = folder.images
    model = train_classifier(images[train], folder.labels[train], len(names), settings)
    accuracy = per_style_accuracy(model.predict(images[test]), folder.labels[test], names)
    atomic_write_bytes(weights, save({k: v.contiguous() for k, v in model.state_dict().items()}))
    atomic_write_json(report, {"settings": asdict(settings), "real_test": accuracy})
    return JudgedClassifier(model, accuracy)
