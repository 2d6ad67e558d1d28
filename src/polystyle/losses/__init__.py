"""Adversarial losses (registry LOSSES) and regularisers."""

from polystyle.losses.adversarial import AdversarialLoss, get_loss
from polystyle.losses.regularizers import (
    gradient_penalty,
    mode_seeking_loss,
    r1_penalty,
    style_margin_loss,
)

__all__ = [
    "AdversarialLoss",
    "get_loss",
    "gradient_penalty",
    "mode_seeking_loss",
    "r1_penalty",
    "style_margin_loss",
]
