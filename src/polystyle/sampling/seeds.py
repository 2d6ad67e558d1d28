"""Seeds to latents: one seed, one z, whatever the batch it is drawn in."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from polystyle.errors import ConfigError


def z_from_seeds(seeds: Iterable[int], z_dim: int) -> torch.Tensor:
    return torch.stack(
        [torch.randn(z_dim, generator=torch.Generator().manual_seed(int(s))) for s in seeds]
    )


def parse_seeds(text: str) -> list[int]:
    """`0-63`, `1,5,9`, `0-3,10` -> a list of non-negative ints."""
    seeds: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        low, dash, high = part.partition("-")
        try:
            start, stop = (int(low), int(high)) if dash else (int(part), int(part))
        except ValueError as exc:
            raise ConfigError(
                f"--seeds {text!r}: use a range like 0-63 or a list like 1,5,9"
            ) from exc
        if start < 0 or stop < start:
            raise ConfigError(f"--seeds {text!r}: ranges go low-high, from 0 up")
        seeds.extend(range(start, stop + 1))
    if not seeds:
        raise ConfigError(f"--seeds {text!r} names no seed; use e.g. 0-15")
    return seeds
