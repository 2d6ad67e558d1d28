"""Write an evaluation report: metrics.json (stable keys), report.md, confusion.png."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from polystyle.fileio import atomic_write_bytes, atomic_write_json


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.{digits}f}"
    return str(value)


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def markdown(report: dict[str, Any]) -> str:
    m = report["metrics"]
    lines = [
        f"# Evaluation: {report.get('model', '')}",
        "",
        f"- data: {report.get('data', '')}, split `{report['split']}`",
        f"- N generated = {report['n_generated']}, N real = {report['n_real']}, "
        f"seed {report['seed']}, truncation {report.get('truncation', 1.0)}",
        "",
    ]
    summary = []
    if "fid" in m:
        summary.append([f"FID@{report['n_generated']} (Inception-v3 pool3)", m["fid"]["overall"]])
    if "kid" in m:
        k = m["kid"]
        summary.append(
            [
                f"KID x1000 ({k['subsets']} subsets of {k['subset_size']})",
                f"{k['mean'] * 1000:.3f} ± {k['std'] * 1000:.3f}",
            ]
        )
    if "precision_recall" in m:
        pr = m["precision_recall"]
        summary += [[f"precision (k={pr['k']})", pr["precision"]], ["recall", pr["recall"]]]
    if "style_accuracy" in m:
        sa = m["style_accuracy"]
        summary += [
            ["style accuracy, generated (mean over styles)", sa["generated"]["mean"]],
            ["style accuracy, judge on real test", sa["real_test"]["mean"]],
            ["FD-style (judge's penultimate features)", sa["fd_style"]["overall"]],
        ]
    if "diversity" in m:
        d = m["diversity"]
        mob = d["mean"]["mobilenet_feature_distance"]
        comp = d["mean"]["compositions"]
        mem = d["memorisation"]
        summary += [
            [
                "diversity, MobileNetV2 feature distance: generated / real",
                f"{_fmt(mob['generated'])} / {_fmt(mob['real'])}",
            ],
            [
                "compositions per style (Vendi score of layouts): generated / real",
                f"{_fmt(comp['generated'], 1)} / {_fmt(comp['real'], 1)}",
            ],
            [
                "memorisation, nearest-train RMS distance: generated / real held-out",
                f"{_fmt(mem['generated_to_train']['mean'])} / {_fmt(mem['real_to_train']['mean'])}",
            ],
        ]
    if "layout_agreement" in m:
        la = m["layout_agreement"]
        summary.append(
            [
                f"layout agreement, {la['seeds']} seeds each in every style: "
                "generated / real (one file name) / unrelated",
                f"{_fmt(la['generated'])} / {_fmt(la['real'])} / {_fmt(la['unrelated'])}",
            ]
        )
    lines += _table(["metric", "value"], summary)

    styles = list(report["counts"])
    columns: list[tuple[str, Any]] = [("N real", lambda s: report["counts"][s]["real"])]
    columns.append(("N gen", lambda s: report["counts"][s]["generated"]))
    if "fid" in m:
        columns.append(("FID", lambda s: m["fid"]["per_style"].get(s, math.nan)))
    if "kid" in m:
        columns.append(("KID x1000", lambda s: m["kid"]["per_style_mean"].get(s, math.nan) * 1000))
    if "style_accuracy" in m:
        sa = m["style_accuracy"]
        columns.append(("acc. generated", lambda s: sa["generated"]["per_style"].get(s, math.nan)))
        columns.append(("acc. real test", lambda s: sa["real_test"]["per_style"].get(s, math.nan)))
        columns.append(("FD-style", lambda s: sa["fd_style"]["per_style"].get(s, math.nan)))
    if "diversity" in m:
        per = m["diversity"]["per_style"]

        def div(kind: str, side: str):
            return lambda s: per[s][kind][side] if s in per else math.nan

        columns += [
            ("MobileNetV2 dist. gen", div("mobilenet_feature_distance", "generated")),
            ("MobileNetV2 dist. real", div("mobilenet_feature_distance", "real")),
            ("compositions gen", div("compositions", "generated")),
            ("compositions real", div("compositions", "real")),
        ]
    lines += ["## Per style", ""]
    lines += _table(
        ["style"] + [c for c, _ in columns], [[s] + [f(s) for _, f in columns] for s in styles]
    )
    lines += ["Timings (s): " + ", ".join(f"{k} {v}" for k, v in report["seconds"].items()), ""]
    return "\n".join(lines)


def confusion_png(styles: list[str], counts: list[list[int]], cell: int = 28) -> Image.Image:
    """Rows: the style asked for; columns: the style the judge saw. Darker = more images."""
    label_w = max(len(s) for s in styles) * 7 + 10
    n = len(styles)
    image = Image.new("RGB", (label_w + n * cell + 10, label_w + n * cell + 10), "white")
    draw = ImageDraw.Draw(image)
    for r, row in enumerate(counts):
        total = max(sum(row), 1)
        draw.text((4, label_w + r * cell + cell // 3), styles[r], fill="black")
        for c, count in enumerate(row):
            share = count / total
            shade = int(255 * (1 - share))
            x, y = label_w + c * cell, label_w + r * cell
            draw.rectangle([x, y, x + cell - 1, y + cell - 1], fill=(shade, shade, 255))
            draw.text(
                (x + 3, y + cell // 3),
                f"{round(share * 100)}",
                fill="black" if share < 0.5 else "white",
            )
    for c, name in enumerate(styles):
        column = Image.new("RGB", (label_w, cell), "white")
        ImageDraw.Draw(column).text((4, cell // 3), name, fill="black")
        image.paste(column.rotate(90, expand=True), (label_w + c * cell, 0))
    return image


def write_eval_outputs(report: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "metrics.json", "markdown": out_dir / "report.md"}
    atomic_write_json(paths["json"], report)
    atomic_write_bytes(paths["markdown"], markdown(report).encode())
    accuracy = report["metrics"].get("style_accuracy")
    if accuracy:
        paths["confusion"] = out_dir / "confusion.png"
        confusion = accuracy["confusion"]
        confusion_png(confusion["styles"], confusion["counts"]).save(paths["confusion"])
    return paths
