"""Adversarial losses (registry LOSSES) and regularisers."""

from polystyle.losses.adversarial import AdversarialLoss, get_loss
from polystyle.losses.regularizers import (
    adc_style_loss,
    content_consistency_loss,
    gradient_penalty,
    mode_seeking_loss,
    r1_penalty,
    style_margin_loss,
)

__all__ = [
    "AdversarialLoss",
    "adc_style_loss",
    "content_consistency_loss",
    "get_loss",
    "gradient_penalty",
    "mode_seeking_loss",
    "r1_penalty",
    "style_margin_loss",
]
