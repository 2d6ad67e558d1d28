"""Which file stems exist in two or more styles (same glyph or emoji drawn by several fonts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class _Keyed(Protocol):
    stem: str
    style_id: int


@dataclass(frozen=True)
class PairIndex:
    """`by_stem[stem][style_id] -> record index`, only for stems present in >= 2 styles."""

    by_stem: dict[str, dict[int, int]]

    @classmethod
    def build(cls, records: Sequence[_Keyed]) -> PairIndex:
        table: dict[str, dict[int, int]] = {}
        for index, record in enumerate(records):
            table.setdefault(record.stem, {})[record.style_id] = index
        return cls({stem: ids for stem, ids in sorted(table.items()) if len(ids) >= 2})

    def __len__(self) -> int:
        return len(self.by_stem)

    def pairs(self, source: int, target: int) -> list[tuple[int, int]]:
        """Record index pairs (source image, target image) sharing a stem."""
        return [
            (ids[source], ids[target])
            for ids in self.by_stem.values()
            if source in ids and target in ids
        ]

    def paired_count(self, style_id: int) -> int:
        """How many images of a style have a counterpart in at least one other style."""
        return sum(style_id in ids for ids in self.by_stem.values())
