"""A per-style ring buffer of real images' discriminator features (loss.style_memory)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class StyleFeatureMemory(nn.Module):
    """The last `size` real feature vectors seen for each style, unit-normalised.

    A module with buffers so that checkpoints carry it like the networks and a resumed run
    continues from the same memory, bit for bit.
    """

    def __init__(self, num_styles: int, size: int, dim: int) -> None:
        super().__init__()
        self.size = size
        self.register_buffer("features", torch.zeros(num_styles, size, dim))
        self.register_buffer("written", torch.zeros(num_styles, dtype=torch.long))

    @torch.no_grad()
    def push(self, features: torch.Tensor, labels: torch.Tensor) -> None:
        features = F.normalize(features.detach().float(), dim=1)
        for vector, style in zip(features, labels.tolist(), strict=True):
            self.features[style, int(self.written[style]) % self.size] = vector
            self.written[style] += 1

    def holds(self, styles: torch.Tensor) -> bool:
        """Whether every style in `styles` has at least one entry (the loss needs one)."""
        return bool((self.written[styles] > 0).all())

    def bank(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(entries written so far, flattened; their styles)."""
        filled = (
            torch.arange(self.size, device=self.written.device)[None, :] < self.written[:, None]
        )
        styles = torch.arange(len(self.written), device=filled.device)[:, None].expand_as(filled)
        return self.features[filled], styles[filled]
