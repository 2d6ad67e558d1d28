"""Everything about a run's progress that is not a tensor."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class TrainState:
    step: int = 0
    images_seen: int = 0  # real images shown to D
    elapsed_seconds: float = 0.0  # training wall time, summed over resumes
    lr_scale: float = 1.0  # halved at each NaN rollback
    nonfinite_streak: int = 0
    rollbacks: int = 0
    # Running per-style style-classification loss of G's images (train.style_sampling=hard);
    # empty until the first G step. Floats survive the JSON round trip exactly.
    style_losses: list[float] = field(default_factory=list)

    @property
    def kimg(self) -> float:
        return self.images_seen / 1000

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TrainState:
        return cls(**raw)
