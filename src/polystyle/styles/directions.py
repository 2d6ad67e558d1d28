"""Interpretable latent directions: PCA of the style-code space (GANSpace, Härkönen et al. 2020).

Codes of many (noise, style) samples are centred and decomposed; the top principal axes are
the directions along which the model's codes vary most, and moving a code along one by a few
of its standard deviations is a slider (`directions={0: 1.5}`). Sampling is seeded and the
sign of each axis is fixed (its largest entry positive), so the same model always gets the
same directions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch

from polystyle.errors import ConfigError
from polystyle.models.base import StyleGenerator, one_hot


@dataclass(frozen=True)
class LatentDirections:
    components: torch.Tensor  # k x code_dim, unit rows
    stddev: torch.Tensor  # k: the spread of the codes along each row
    explained: torch.Tensor  # k: share of the total variance

    def offset(self, amounts: Mapping[int, float]) -> torch.Tensor:
        """`sum amount_k * stddev_k * component_k`: the code shift for slider values in sigmas."""
        shift = torch.zeros(self.components.shape[1], dtype=self.components.dtype)
        for index, amount in amounts.items():
            if not 0 <= int(index) < len(self.components):
                raise ConfigError(
                    f"direction {index}: this model has directions 0..{len(self.components) - 1}"
                )
            shift += float(amount) * self.stddev[int(index)] * self.components[int(index)]
        return shift


@torch.no_grad()
def find_directions(
    generator: StyleGenerator, num_styles: int, k: int = 8, samples: int = 4096, seed: int = 0
) -> LatentDirections:
    rng = torch.Generator().manual_seed(seed)
    device = next(generator.parameters()).device
    z = torch.randn(samples, generator.config.z_dim, generator=rng).to(device)
    labels = torch.arange(samples) % num_styles
    codes = generator.style_code(z, one_hot(labels, num_styles).to(device)).double().cpu()
    centred = codes - codes.mean(dim=0)
    _, singular, vectors = torch.linalg.svd(centred, full_matrices=False)
    k = min(k, len(singular))
    components = vectors[:k]
    signs = components.gather(1, components.abs().argmax(dim=1, keepdim=True)).sign()
    variance = singular.square()
    return LatentDirections(
        (components * signs).float(),
        (singular[:k] / (samples - 1) ** 0.5).float(),
        (variance[:k] / variance.sum()).float(),
    )
