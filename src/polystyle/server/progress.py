"""A training run's progress read from its folder, the files the trainer already writes.

The job process is our own CLI, so it needs no channel back to the server: the last row of
`metrics.jsonl` gives step, kimg and img/s; `config.yaml` the budget (kimg and/or minutes);
`samples/` the latest grid. The ETA is the trainer's own rule (`Progress.tick`): the sooner of
the kimg and the time budget.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

TAIL_BYTES = 64 * 1024


def last_json_line(path: Path) -> dict[str, Any] | None:
    """The last complete JSON line of a growing file, reading only its tail."""
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - TAIL_BYTES))
        lines = handle.read().split(b"\n")
    for line in reversed(lines):
        if line.strip():
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue  # a line being written, or cut by the tail window
    return None


def budget(run_dir: Path) -> tuple[float | None, float | None]:
    """(kimg, minutes) the run trains for, from its resolved config."""
    path = run_dir / "config.yaml"
    if not path.is_file():
        return None, None
    train = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("train", {})
    return train.get("kimg"), train.get("minutes")


def run_progress(run_dir: Path) -> dict[str, Any] | None:
    row = last_json_line(run_dir / "metrics.jsonl")
    if row is None:
        return None
    total_kimg, minutes = budget(run_dir)
    remaining = []
    if total_kimg and row.get("img_s", 0) > 0:
        remaining.append(max(0.0, (total_kimg - row["kimg"]) * 1000 / row["img_s"]))
    if minutes:
        remaining.append(max(0.0, minutes * 60 - row.get("elapsed_s", 0.0)))
    fraction = min(1.0, row["kimg"] / total_kimg) if total_kimg else None
    return {
        "step": row.get("step"),
        "kimg": row.get("kimg"),
        "total_kimg": total_kimg,
        "minutes": minutes,
        "fraction": fraction,
        "img_s": row.get("img_s"),
        "elapsed_s": row.get("elapsed_s"),
        "eta_s": round(min(remaining), 1) if remaining else None,
        "g_loss": row.get("g_loss"),
        "d_loss": row.get("d_loss"),
    }


def latest_sample(run_dir: Path) -> str | None:
    """File name of the newest sample grid (`step-NNNNNNNN.png` sorts by step)."""
    folder = run_dir / "samples"
    if not folder.is_dir():
        return None
    names = sorted(p.name for p in folder.glob("step-*.png"))
    return names[-1] if names else None


def new_events(run_dir: Path, offset: int) -> tuple[list[dict[str, Any]], int]:
    """Complete lines of `events.jsonl` after byte `offset`, and the offset after them."""
    path = run_dir / "events.jsonl"
    if not path.is_file():
        return [], offset
    with path.open("rb") as handle:
        handle.seek(offset)
        chunk = handle.read()
    complete = chunk[: chunk.rfind(b"\n") + 1]
    events = [json.loads(line) for line in complete.splitlines() if line.strip()]
    return events, offset + len(complete)
