"""Quality against CPU time: cpu-64 (stylegan-lite) and the dcgan baseline on fonts-cjk 64 px.

Each architecture trains once; at 5, 10, 20 and 40 minutes the run is exported and evaluated
(FID@N and KID against the test split, precision/recall, style accuracy, diversity). Resume is
bit-exact, so "train to 5, resume to 10, ..." is one continuous run.

Minutes are turned into a kimg budget with each architecture's throughput, measured at the
start of this run for all architectures before any training (median of timed blocks), so a
machine shared with other jobs slows the benchmark down but does not change what it
measures: quality after the images a quiet
2-core machine would push through in that many minutes.

Run: .venv/bin/python benchmarks/quality_vs_time.py [--minutes 5,10,20,40] [--n 2000]
     [--out /tmp/qvt] > /tmp/qvt/log.txt   (writes table.md and quality_vs_time.png to --out)
     An interrupted run's rows: ... quality_vs_time.py --from-log /tmp/qvt/log.txt --out DIR
     Continue an interrupted run: ... --continue-runs [--img-per-s stylegan-lite=67.5,dcgan=80.8]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import time
from pathlib import Path

import torch
from PIL import Image, ImageDraw

from budget import images_per_second
from polystyle.config.run import load_run_config
from polystyle.data import StyleFolder
from polystyle.data.builtin import build_dataset
from polystyle.devices import reuse_freed_memory
from polystyle.metrics.evaluation import LAYOUT_SEEDS, EvalContext, evaluate
from polystyle.pipelines import SynthesisPipeline
from polystyle.training.run import resume_run, start_run
from polystyle.training.trainer import Trainer

ARCHITECTURES = {
    "stylegan-lite": [],
    # The baseline keeps the batch and learning rates it was measured with (cpu-64 used
    # batch 32 and lr 0.002 until then).
    "dcgan": [
        "model.architecture=dcgan",
        "model.generator={width: 32, channel_max: 256}",
        "train.batch=32",
        "optim.g_lr=0.002",
        "optim.d_lr=0.002",
    ],
}
QUIET = [
    "train.log_every=100000",
    "train.sample_every=100000",
    "train.checkpoint_every=100000",
    "train.checkpoint_minutes=100000",
]


def throughput(overrides: list[str], folder: StyleFolder, work: Path) -> float:
    """Median images/s (wall clock) of full training steps, after a warm-up."""
    config = load_run_config("cpu-64", overrides + QUIET)
    trainer = Trainer(config, folder, work / "throughput", stream=io.StringIO())
    speed = images_per_second(trainer, config.train.batch)
    shutil.rmtree(work / "throughput")
    return speed


def evaluate_model(model: Path, folder: StyleFolder, n: int) -> dict:
    pipe = SynthesisPipeline.from_pretrained(model, device="cpu")
    fake, labels = pipe.per_style_samples(n // len(pipe.style_names), seed=0)
    restyled = pipe.shared_seed_samples(LAYOUT_SEEDS)
    return evaluate(EvalContext(fake, labels, folder, split="test", seed=0, restyled=restyled))


def row(arch: str, minutes: float, kimg: float, report: dict) -> dict:
    m = report["metrics"]
    div = m["diversity"]["mean"]["mobilenet_feature_distance"]
    return {
        "architecture": arch,
        "minutes": minutes,
        "kimg": round(kimg, 1),
        "fid": m["fid"]["overall"],
        "kid_x1000": m["kid"]["mean"] * 1000,
        "kid_std_x1000": m["kid"]["std"] * 1000,
        "precision": m["precision_recall"]["precision"],
        "recall": m["precision_recall"]["recall"],
        "style_accuracy": m["style_accuracy"]["generated"]["mean"],
        "style_accuracy_min": min(m["style_accuracy"]["generated"]["per_style"].values()),
        "diversity_ratio": div["generated"] / div["real"],
        "n_generated": report["n_generated"],
        "n_real": report["n_real"],
    }


def plot(rows: list[dict], path: Path, width: int = 720, height: int = 300) -> None:
    """FID and style accuracy against minutes, one colour per architecture (Pillow only)."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    colours = {"stylegan-lite": (200, 40, 40), "dcgan": (40, 80, 200)}
    panels = (("fid", "FID (lower is better)"), ("style_accuracy", "style accuracy"))
    panel_w = width // 2
    max_minutes = max(r["minutes"] for r in rows)
    for p, (key, title) in enumerate(panels):
        x0, y0, x1, y1 = p * panel_w + 50, 30, (p + 1) * panel_w - 20, height - 40
        values = [r[key] for r in rows]
        low, high = (0.0, 1.0) if key == "style_accuracy" else (0.0, max(values) * 1.1)
        draw.rectangle([x0, y0, x1, y1], outline="grey")
        draw.text((x0, 8), f"{title} vs minutes", fill="black")
        draw.text((x0 - 45, y0), f"{high:.2f}", fill="black")
        draw.text((x0 - 45, y1 - 10), f"{low:.2f}", fill="black")
        draw.text((x1 - 20, y1 + 6), f"{max_minutes:g}", fill="black")
        for arch, colour in colours.items():
            points = [
                (
                    x0 + r["minutes"] / max_minutes * (x1 - x0),
                    y1 - (r[key] - low) / (high - low) * (y1 - y0),
                )
                for r in rows
                if r["architecture"] == arch
            ]
            if len(points) > 1:
                draw.line(points, fill=colour, width=2)
            for x, y in points:
                draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=colour)
    draw.text((60, height - 20), "red: stylegan-lite (cpu-64)   blue: dcgan", fill="black")
    image.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", default="5,10,20,40")
    parser.add_argument("--n", type=int, default=2000, help="generated images per evaluation")
    parser.add_argument("--architectures", default=",".join(ARCHITECTURES))
    parser.add_argument("--out", type=Path, default=Path("/tmp/quality_vs_time"))
    parser.add_argument(
        "--from-log", type=Path, help="only write the table and plot from a run's printed rows"
    )
    parser.add_argument(
        "--img-per-s",
        default="",
        help="arch=speed,... : use throughputs measured earlier on a quiet machine instead of "
        "measuring now (say so when you report the figures)",
    )
    parser.add_argument(
        "--continue-runs",
        action="store_true",
        help="continue runs already in --out (resume is bit-exact) instead of starting over",
    )
    args = parser.parse_args()
    reuse_freed_memory()
    threads = os.cpu_count() or 1
    if args.from_log:
        args.out.mkdir(parents=True, exist_ok=True)
        write_outputs(rows_from_log(args.from_log), args.out, threads)
        return
    torch.set_num_threads(threads)
    args.out.mkdir(parents=True, exist_ok=True)
    root, _ = build_dataset("fonts-cjk", args.out / "fonts-cjk-64", size=64)
    folder = StyleFolder.open(root, load_run_config("cpu-64").data)
    minutes = [float(m) for m in args.minutes.split(",")]
    rows = []
    architectures = args.architectures.split(",")
    speeds = dict(parse_speeds(args.img_per_s))
    for arch in architectures:
        if arch in speeds:
            print(f"{arch}: {speeds[arch]:.1f} img/s given (--img-per-s)", flush=True)
            continue
        speeds[arch] = throughput(
            ARCHITECTURES[arch] + [f"train.threads={threads}"], folder, args.out
        )
        print(f"{arch}: {speeds[arch]:.1f} img/s measured", flush=True)
    for arch in architectures:
        overrides = ARCHITECTURES[arch] + [f"train.threads={threads}"]
        speed = speeds[arch]
        run = args.out / "runs" / arch
        if not args.continue_runs:
            shutil.rmtree(run, ignore_errors=True)
        log = io.StringIO()
        for i, m in enumerate(minutes):
            kimg = m * 60 * speed / 1000
            if i == 0 and not (run / "checkpoints").is_dir():
                config = load_run_config("cpu-64", [*overrides, *QUIET, f"train.kimg={kimg}"])
                result = start_run(str(root), config, run.parent, name=arch, stream=log)
            else:
                result = resume_run(run, [f"train.kimg={kimg}"], stream=log)
            snapshot = args.out / "models" / f"{arch}-{m:g}min"
            shutil.rmtree(snapshot, ignore_errors=True)
            shutil.copytree(result.model_dir, snapshot)
            started = time.perf_counter()
            report = evaluate_model(snapshot, folder, args.n)
            rows.append(row(arch, m, result.kimg, report))
            print(json.dumps(rows[-1]), f"(evaluated in {time.perf_counter() - started:.0f} s)")
            print(f"  timings: {report['seconds']}", flush=True)
    write_outputs(rows, args.out, threads)


def parse_speeds(text: str) -> list[tuple[str, float]]:
    pairs = [item.split("=") for item in text.split(",") if item]
    return [(arch, float(speed)) for arch, speed in pairs]


def write_outputs(rows: list[dict], out: Path, threads: int) -> None:
    """rows.json, quality_vs_time.png and table.md (also printed)."""
    (out / "rows.json").write_text(json.dumps(rows, indent=2))
    plot(rows, out / "quality_vs_time.png")
    lines = [
        f"machine: {platform.machine()}, {threads} cores, torch {torch.__version__}; "
        f"FID@{rows[0]['n_generated']} and KID against the test split "
        f"({rows[0]['n_real']} real images)",
        "",
        "| architecture | minutes | kimg | FID | KID x1000 | precision | recall "
        "| style acc. mean | style acc. min | diversity ratio |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['architecture']} | {r['minutes']:g} | {r['kimg']} | {r['fid']:.1f} "
            f"| {r['kid_x1000']:.1f} ± {r['kid_std_x1000']:.1f} | {r['precision']:.3f} "
            f"| {r['recall']:.3f} | {r['style_accuracy']:.3f} | {r['style_accuracy_min']:.3f} "
            f"| {r['diversity_ratio']:.2f} |"
        )
    table = "\n".join(lines)
    (out / "table.md").write_text(table + "\n")
    print(table)


def rows_from_log(log: Path) -> list[dict]:
    """The JSON rows a (possibly interrupted) run printed, one per evaluated snapshot."""
    return [
        json.loads(line.split(" (evaluated")[0])
        for line in log.read_text().splitlines()
        if line.startswith("{")
    ]


if __name__ == "__main__":
    main()
