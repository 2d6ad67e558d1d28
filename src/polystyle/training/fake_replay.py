"""A per-style buffer of G's past minibatch-std groups that D keeps judging (loss.fake_replay)."""

from __future__ import annotations

import torch
from torch import nn


class FakeReplay(nn.Module):
    """Up to `size` of G's earlier minibatch-std groups per style, for experience replay.

    A GAN that hops from one composition to the next can return to one D has forgotten; D
    that also judges a sample of G's history keeps them fake. Whole groups from one step are
    stored and replayed, so D's minibatch-std sees G's diversity at one moment: a group
    pieced together from many steps would look more varied than G ever was, and D would
    learn that variety marks a fake. Once a style's buffer is full a new group overwrites a
    random slot, so old groups thin out instead of leaving at a fixed age. A module with
    buffers, so a checkpoint carries it and a resumed run replays the same images.
    """

    def __init__(
        self, num_styles: int, size: int, group: int, image_shape: tuple[int, int, int]
    ) -> None:
        super().__init__()
        self.size = size
        self.register_buffer("groups", torch.zeros(num_styles, size, group, *image_shape))
        self.register_buffer("written", torch.zeros(num_styles, dtype=torch.long))

    def ready(self, styles: torch.Tensor) -> bool:
        """Whether every one of `styles` has a full buffer to draw from."""
        return bool((self.written[styles] >= self.size).all())

    @torch.no_grad()
    def push(self, groups: torch.Tensor, labels: torch.Tensor, rng: torch.Generator) -> None:
        """Store `groups` (N, group, C, H, W), one style label each."""
        slots = torch.randint(self.size, (len(labels),), generator=rng).tolist()
        for group, style, slot in zip(groups.detach().float(), labels.tolist(), slots, strict=True):
            filled = int(self.written[style])
            self.groups[style, filled if filled < self.size else slot] = group
            self.written[style] += 1

    def draw(self, labels: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        """One stored group of each label's style, drawn uniformly: (N, group, C, H, W)."""
        slots = torch.randint(self.size, (len(labels),), generator=rng).to(labels.device)
        return self.groups[labels, slots]
