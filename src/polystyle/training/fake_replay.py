"""A per-style buffer of G's past images that D keeps judging (loss.fake_replay)."""

from __future__ import annotations

import torch
from torch import nn


class FakeReplay(nn.Module):
    """Up to `size` of G's earlier images per style, for experience replay.

    A GAN that hops from one composition to the next can return to one D has forgotten; D
    that also judges a sample of G's history keeps all of them fake. Once a style's buffer
    is full a new image overwrites a random slot, so old images thin out instead of leaving
    at a fixed age. A module with buffers, so a checkpoint carries it and a resumed run
    replays the same images, bit for bit.
    """

    def __init__(self, num_styles: int, size: int, image_shape: tuple[int, int, int]) -> None:
        super().__init__()
        self.size = size
        self.register_buffer("images", torch.zeros(num_styles, size, *image_shape))
        self.register_buffer("written", torch.zeros(num_styles, dtype=torch.long))

    def ready(self, styles: torch.Tensor) -> bool:
        """Whether every one of `styles` has a full buffer to draw from."""
        return bool((self.written[styles] >= self.size).all())

    @torch.no_grad()
    def push(self, images: torch.Tensor, labels: torch.Tensor, rng: torch.Generator) -> None:
        slots = torch.randint(self.size, (len(labels),), generator=rng).tolist()
        for image, style, slot in zip(images.detach().float(), labels.tolist(), slots, strict=True):
            filled = int(self.written[style])
            self.images[style, filled if filled < self.size else slot] = image
            self.written[style] += 1

    def draw(self, labels: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        """One stored image of each label's style, drawn uniformly."""
        slots = torch.randint(self.size, (len(labels),), generator=rng).to(labels.device)
        return self.images[labels, slots]
