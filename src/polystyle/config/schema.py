"""Dataclass schemas for configuration sections; `validate()` raises ConfigError naming the key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from polystyle.errors import ConfigError

FitPolicy = Literal["pad", "crop"]
CacheMode = Literal["auto", "memory", "lazy"]

MIN_SIZE, MAX_SIZE = 16, 1024
DEFAULT_MAX_PIXELS = 64_000_000


@dataclass(frozen=True)
class DataConfig:
    """How a style folder becomes training tensors.

    `channels=None` means auto: 1 when every image is greyscale, else 3. `fit="pad"` keeps
    the aspect ratio and pads with `background`; `fit="crop"` centre-crops. `max_pixels` is
    the decompression-bomb guard (width x height of the *source* file). The split fractions
    apply per file stem, so one stem lands in the same split in every style.
    """

    size: int = 64
    channels: int | None = None
    fit: FitPolicy = "pad"
    background: int = 255
    min_per_style: int = 1
    max_pixels: int = DEFAULT_MAX_PIXELS
    cache: CacheMode = "auto"
    memory_limit_mb: int = 2048
    split_seed: int = 0
    val_fraction: float = 0.05
    test_fraction: float = 0.05

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if not MIN_SIZE <= self.size <= MAX_SIZE:
            raise ConfigError(
                f"data.size={self.size} is out of range; use --size between {MIN_SIZE} and "
                f"{MAX_SIZE}"
            )
        if self.channels not in (None, 1, 3):
            raise ConfigError(f"data.channels={self.channels}; use --channels 1, 3 or auto")
        if self.fit not in ("pad", "crop"):
            raise ConfigError(f"data.fit={self.fit!r}; use --fit pad or --fit crop")
        if not 0 <= self.background <= 255:
            raise ConfigError(f"data.background={self.background}; use a grey level 0..255")
        if self.min_per_style < 1:
            raise ConfigError(
                f"data.min_per_style={self.min_per_style}; use --min-per-style 1 or more"
            )
        if self.max_pixels < 1:
            raise ConfigError(
                f"data.max_pixels={self.max_pixels}; use --max-pixels with a positive count"
            )
        if self.cache not in ("auto", "memory", "lazy"):
            raise ConfigError(f"data.cache={self.cache!r}; use --cache auto, memory or lazy")
        fractions = (self.val_fraction, self.test_fraction)
        if any(f < 0 for f in fractions) or sum(fractions) >= 1:
            raise ConfigError(
                f"data.val_fraction={self.val_fraction}, data.test_fraction="
                f"{self.test_fraction}: each must be >= 0 and together < 1"
            )

    @property
    def key(self) -> str:
        """The settings that change decoded pixels; part of the cache key."""
        return (
            f"size={self.size},channels={self.channels},fit={self.fit},"
            f"bg={self.background},maxpx={self.max_pixels}"
        )
