"""A per-style ring buffer of recent images' layouts (loss.sibling_memory)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class StyleFeatureMemory(nn.Module):
    """The last `size` vectors seen for each style, unit-normalised.

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

    def max_similarity(self, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Each feature's highest cosine similarity to the entries of its own style; -1 (as
        unlike as can be) where that style has none yet."""
        bank, styles = self.bank()
        similarity = F.normalize(features.float(), dim=1) @ bank.T
        similarity = similarity.masked_fill(styles[None, :] != labels[:, None], -1.0)
        floor = torch.full((len(features), 1), -1.0, device=features.device)
        return torch.cat([similarity, floor], dim=1).amax(dim=1)

    def bank(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(entries written so far, flattened; their styles)."""
        filled = (
            torch.arange(self.size, device=self.written.device)[None, :] < self.written[:, None]
        )
        styles = torch.arange(len(self.written), device=filled.device)[:, None].expand_as(filled)
        return self.features[filled], styles[filled]
