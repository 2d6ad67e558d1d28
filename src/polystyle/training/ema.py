"""Exponential moving average of the generator's weights (what users sample from)."""

from __future__ import annotations

import torch
from torch import nn


def ema_beta(batch: int, half_life_kimg: float) -> float:
    """Per-step decay so that weights halve their influence every `half_life_kimg` images."""
    return 0.5 ** (batch / max(half_life_kimg * 1000, 1e-8))


@torch.no_grad()
def update_ema(ema: nn.Module, model: nn.Module, beta: float) -> None:
    for target, source in zip(ema.parameters(), model.parameters(), strict=True):
        target.lerp_(source, 1 - beta)
    for target, source in zip(ema.buffers(), model.buffers(), strict=True):
        target.copy_(source)
