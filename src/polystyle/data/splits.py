"""Deterministic train/val/test split by file stem.

The split of a stem is a pure function of (seed, stem), so the same stem lands in the same
split in every style (paired evaluation never leaks) and adding files never moves old ones.
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path
from typing import Literal

Split = Literal["train", "val", "test"]
SPLITS: tuple[Split, ...] = ("train", "val", "test")


def stem_key(path: str | Path) -> str:
    """The pairing key of a file: its stem, NFC-normalised so macOS and Linux names agree."""
    return unicodedata.normalize("NFC", Path(path).stem)


def split_of(stem: str, seed: int, val_fraction: float, test_fraction: float) -> Split:
    digest = hashlib.blake2b(f"{seed}\0{stem}".encode(), digest_size=8).digest()
    u = int.from_bytes(digest, "big") / 2.0**64
    if u < test_fraction:
        return "test"
    if u < test_fraction + val_fraction:
        return "val"
    return "train"
