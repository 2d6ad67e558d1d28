"""What a run reports: progress lines, metrics.jsonl, events.jsonl, sample grids, a loss curve.

Every report is an event dict; the same events feed the terminal, the files and (later) the
HTTP API and web UI.
"""

from __future__ import annotations

import json
import math
import resource
import sys
from pathlib import Path
from typing import Any, TextIO

from PIL import Image, ImageDraw

from polystyle.errors import ConfigError


def _memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def format_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


class JsonLines:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, row: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")

    def read(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]


class TensorBoard:
    """Scalars of each metrics row as TensorBoard events, for users who already run
    TensorBoard; `train.tensorboard=true` asks for it and the package is an optional extra."""

    def __init__(self, log_dir: Path) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as error:
            raise ConfigError(
                "train.tensorboard=true needs the tensorboard package: "
                "pip install 'polystyle[tensorboard]' (or drop the setting)"
            ) from error
        self.writer = SummaryWriter(str(log_dir))

    def write(self, row: dict[str, Any]) -> None:
        for key, value in row.items():
            if key != "step" and isinstance(value, (int, float)) and math.isfinite(value):
                self.writer.add_scalar(key, value, row["step"])

    def close(self) -> None:
        self.writer.close()


class Progress:
    """One line per tick; rewritten in place on a terminal, appended otherwise."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()

    def tick(self, row: dict[str, Any], total_kimg: float, minutes: float | None) -> None:
        remaining = []
        if row["img_s"] > 0:
            remaining.append((total_kimg - row["kimg"]) * 1000 / row["img_s"])
        if minutes is not None:
            remaining.append(minutes * 60 - row["elapsed_s"])
        eta = format_duration(min(remaining)) if remaining else "?"
        line = (
            f"step {row['step']:>6}  kimg {row['kimg']:.1f}/{total_kimg:g}  "
            f"{row['img_s']:.1f} img/s  ETA {eta}  G {row['g_loss']:.3f}  D {row['d_loss']:.3f}"
            f"  mem {_memory_mb():.0f} MB"
        )
        if self.tty:
            self.stream.write("\r\033[K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        self.stream.write(("\n" if self.tty else "") + text + "\n")
        self.stream.flush()


def loss_curve(rows: list[dict[str, Any]], path: Path, width: int = 640, height: int = 320) -> None:
    """G and D losses against kimg, drawn with Pillow (no plotting dependency)."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    margin = 40
    series = {"g_loss": (200, 40, 40), "d_loss": (40, 80, 200)}
    points = [r for r in rows if all(math.isfinite(r.get(k, math.nan)) for k in series)]
    draw.text((margin, 8), "loss vs kimg   red: G   blue: D", fill="black")
    if len(points) >= 2:
        xs = [r["kimg"] for r in points]
        ys = [r[k] for r in points for k in series]
        x0, x1 = min(xs), max(xs) or 1
        y0, y1 = min(ys), max(ys)
        span_x, span_y = (x1 - x0) or 1, (y1 - y0) or 1

        def place(x: float, y: float) -> tuple[float, float]:
            return (
                margin + (x - x0) / span_x * (width - 2 * margin),
                height - margin - (y - y0) / span_y * (height - 2 * margin),
            )

        for key, colour in series.items():
            draw.line([place(r["kimg"], r[key]) for r in points], fill=colour, width=2)
        draw.text((4, margin - 6), f"{y1:.2f}", fill="black")
        draw.text((4, height - margin - 6), f"{y0:.2f}", fill="black")
        draw.text((width - margin - 20, height - margin + 6), f"{x1:.0f}", fill="black")
    draw.rectangle([margin, margin, width - margin, height - margin], outline="grey")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
