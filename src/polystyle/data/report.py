"""The skip report: one line per file or folder that was not used, and why, and the fix."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One skipped path. `kind` is a stable short key (tests and --json rely on it)."""

    path: str
    kind: str
    message: str
    fix: str

    def line(self) -> str:
        return f"skipped {self.path}: {self.message} — {self.fix}"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, str]) -> Problem:
        return cls(raw["path"], raw["kind"], raw["message"], raw["fix"])


def count_by_kind(problems: list[Problem]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for problem in problems:
        counts[problem.kind] = counts.get(problem.kind, 0) + 1
    return dict(sorted(counts.items()))
