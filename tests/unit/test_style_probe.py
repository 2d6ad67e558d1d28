from __future__ import annotations

from pathlib import Path

import torch

from polystyle.config import DataConfig
from polystyle.data import StyleFolder
from polystyle.losses.style_probe import StyleProbe
from polystyle.sampling.images import to_float


def toy_images(toy_data: Path) -> tuple[torch.Tensor, torch.Tensor]:
    folder = StyleFolder.open(toy_data, DataConfig(size=16))
    return to_float(folder.images), folder.labels


def test_the_probe_tells_the_toy_styles_apart_and_fits_the_same_twice(toy_data: Path) -> None:
    images, labels = toy_images(toy_data)
    first, second = StyleProbe(2), StyleProbe(2)
    accuracy = first.fit(images, labels)
    second.fit(images, labels)
    assert accuracy > 0.9
    with torch.no_grad():
        named = first(images).argmax(1)
    assert float((named == labels).float().mean()) == accuracy
    for key, value in first.state_dict().items():
        assert torch.equal(value, second.state_dict()[key]), key


def test_the_probe_is_frozen_but_passes_gradients_to_the_images(toy_data: Path) -> None:
    images, labels = toy_images(toy_data)
    probe = StyleProbe(2)
    probe.fit(images, labels)
    assert list(probe.parameters()) == []  # nothing an optimizer could move
    squares = images[labels == 1][:4].clone().requires_grad_(True)
    loss = torch.nn.functional.cross_entropy(probe(squares), torch.zeros(4, dtype=torch.long))
    loss.backward()
    assert squares.grad is not None and squares.grad.abs().sum() > 0
