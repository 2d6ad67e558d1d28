"""Style-transfer quality of stargan-lite on fonts-cjk 64 px (and emoji, unpaired).

Parts (each trains its own model for a CPU-minute budget, then evaluates on the test split,
characters never seen in training):
- `paired`: all 8 styles, paired; source hei -> each of the 7 others: SSIM, RMSE, PSNR,
  MobileNetV2 feature distance per style. Baselines in the same table: identity (copy the
  hei glyph) and, with part `ablation`, the same model trained without the adversarial term
  (loss.adversarial_weight=0 and loss.style_class_weight=0: D trains but G ignores it).
- `unseen`: trained without one style (--unseen, default fangsong); K = 8 and K = 32 of its
  training glyphs as references; hei test glyphs rendered in it through the mean code, and
  through the code fitted to the K (hei glyph, reference) pairs (`reference_sources`, what
  `polystyle transfer --fit` does), with the seconds fitting and drawing took.
- `unpaired`: emoji google <-> twitter with loss.pairing=unpaired; scored with the true pairs
  the trainer never used, against the identity baseline.
- Diversity: one input through 8 seeds per target style, mean pairwise MobileNetV2 feature
  distance (latent-guided codes).
- `--baseline PRESET`: with part `paired`, also trains a paired model from that preset (e.g.
  translate-fast-64 next to translate-64) for the same budget, scored in the same table, so
  two presets are compared within one run.

Minutes become a kimg budget through each configuration's throughput in images per
CPU-second (process time), measured at the start of its part: a shared machine slows the
benchmark down without changing how much training a model gets.

Run: .venv/bin/python benchmarks/transfer_quality.py [--minutes 15] [--side-minutes 10]
     [--parts paired,ablation,unseen,unpaired] [--preset translate-64] [--baseline PRESET]
     [--kimg K] [--chars N] [--set key=value ...] [--model DIR] [--unseen-model DIR]
     [--fit N] [--out /tmp/transfer_quality]
     | tee log.txt
`--set` overrides the preset in every part (a recipe to try). `--kimg` replaces the minute
budgets with a fixed number of images for every part: recipes compared at equal kimg.
`--chars N` trains the paired parts on the first N characters (up to 5,324) instead of 1,000;
scores stay on the 1,000-character test split. `--model DIR` scores a trained translator
(a run's `model/` folder) on the paired part without training one; `--unseen-model DIR`
does the same for the unseen part (a model trained without the --unseen style). `--fit N`
adds a paired-part row per style: the style fitted to N training pairs (`--fit`'s code) in
place of the label's embedding.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import platform
import shutil
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from budget import images_per_second
from polystyle.config.run import load_run_config
from polystyle.data import StyleFolder
from polystyle.data.builtin import build_dataset
from polystyle.devices import reuse_freed_memory
from polystyle.metrics.paired import paired_report, ssim_per_image
from polystyle.nn.mobilenet_v2 import feature_distance, features
from polystyle.pipelines.translation import TranslationPipeline
from polystyle.training.run import start_run
from polystyle.training.translation import TranslationTrainer

SOURCE = "hei"
# Scores always come from the test split of the first 1000 characters (45 per style), so runs
# trained on more characters (`--chars`) are scored on the same glyphs. A character's split
# depends on its file name only, so a larger build holds these test glyphs in its test split
# too: training never sees them.
EVAL_CHARS = 1000
QUIET = ["train.log_every=100000", "train.sample_every=2000", "train.checkpoint_minutes=100000"]
CORES = os.cpu_count() or 1
ABLATION = ["loss.adversarial_weight=0", "loss.style_class_weight=0"]


def throughput(data: Path, preset: str, overrides: list[str], work: Path) -> float:
    """Median images per CPU-second (process time, all threads) of full training steps.

    CPU time, not wall time: a shared machine then slows the benchmark down without
    changing the budget. One minute on the 2-core machine is 2 x 60 CPU-seconds."""
    config = load_run_config(preset, overrides + QUIET)
    folder = StyleFolder.open(data, config.data)
    trainer = TranslationTrainer(config, folder, work / "throughput", stream=io.StringIO())
    speed = images_per_second(trainer, config.train.batch, time.process_time, 3, 3, 8)
    shutil.rmtree(work / "throughput")
    return speed


def budget_kimg(data: Path, preset: str, overrides: list[str], minutes: float, out: Path) -> float:
    speed = throughput(data, preset, overrides, out)
    kimg = minutes * 60 * CORES * speed / 1000
    print(
        f"{speed:.1f} img per CPU-second -> {kimg:.1f} kimg for {minutes:g} min on {CORES} cores",
        flush=True,
    )
    return kimg


def train(
    data: Path,
    preset: str,
    overrides: list[str],
    minutes: float,
    out: Path,
    name: str,
    kimg: float = 0.0,
) -> Path:
    """Train for `minutes` of CPU time or, when `kimg` > 0, for exactly that many images."""
    kimg = kimg or budget_kimg(data, preset, overrides, minutes, out)
    print(f"{name}: {kimg:.1f} kimg", flush=True)
    config = load_run_config(preset, [*overrides, *QUIET, f"train.kimg={kimg}"])
    shutil.rmtree(out / "runs" / name, ignore_errors=True)
    started = time.perf_counter()
    result = start_run(str(data), config, out / "runs", name=name, stream=io.StringIO())
    print(f"{name}: trained {result.kimg:.1f} kimg in {time.perf_counter() - started:.0f} s wall")
    return result.model_dir


def test_pairs(
    folder: StyleFolder, source: str, target: str, split: str = "test", limit: int | None = None
) -> tuple[list, list, list[str]]:
    """uint8 tensors (source glyphs, true target glyphs) for `split` stems in both styles."""
    src, tgt = folder.style_id(source), folder.style_id(target)
    chosen = set(folder.indices(split))
    pairs = [
        (ids[src], ids[tgt], stem)
        for stem, ids in folder.pairs.by_stem.items()
        if src in ids and tgt in ids and ids[src] in chosen
    ][:limit]
    return (
        [folder.image(a) for a, _, _ in pairs],
        [folder.image(b) for _, b, _ in pairs],
        [s for _, _, s in pairs],
    )


def score(pred: list, true: list) -> dict:
    report = paired_report(
        torch.stack(pred), torch.stack(true), torch.zeros(len(pred), dtype=torch.long), ["all"]
    )
    return report["mean"]


def warp(images: torch.Tensor, scale: float, dx: float, dy: float) -> torch.Tensor:
    """uint8-range float glyphs zoomed by `scale` about the centre and moved by (dx, dy)
    pixels (sub-pixel moves interpolate); the page outside stays white."""
    n, _, height, width = images.shape
    theta = torch.tensor(
        [[1 / scale, 0.0, -2 * dx / width / scale], [0.0, 1 / scale, -2 * dy / height / scale]],
        dtype=images.dtype,
    ).expand(n, 2, 3)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images - 255, grid, align_corners=False) + 255


def registered(pred: list, true: list) -> list:
    """Each output re-registered onto its truth: the zoom (0.94-1.06) and sub-pixel move
    (up to 1.5 px) that maximise its SSIM. An oracle (it looks at the truth), for a
    diagnosis only: what the model would score if its glyphs sat exactly where the font
    puts them, so the rest of the gap is in the strokes themselves."""
    p, t = torch.stack(pred).double(), torch.stack(true).double()
    best, best_ssim = p, ssim_per_image(p, t)
    moves = [m / 2 for m in range(-3, 4)]
    for scale, dx, dy in itertools.product((0.94, 0.97, 1.0, 1.03, 1.06), moves, moves):
        moved = warp(p, scale, dx, dy)
        value = ssim_per_image(moved, t)
        better = value > best_ssim
        best = torch.where(better[:, None, None, None], moved, best)
        best_ssim = torch.maximum(value, best_ssim)
    return list(best.round().clamp(0, 255).to(torch.uint8))


def shifted(images: list, dx: int, dy: int) -> list:
    """Glyphs moved right by dx and down by dy whole pixels, the page filled in white."""
    return [F.pad(t, (dx, 0, dy, 0), value=255)[..., : t.shape[-2], : t.shape[-1]] for t in images]


def evaluate_paired(model: Path, folder: StyleFolder, targets: list[str], fit: int = 0) -> dict:
    """Per target style: the model's scores and the identity baseline's, on test glyphs, and
    the model's on as many training glyphs (`train split`: the gap is what it memorised).

    A third baseline, `blank`, draws nothing (an all-white image): SSIM compares 11 x 11
    windows, and most windows of a glyph are background, so a blank page already scores
    what it scores; a model's SSIM means little until it clears that. Two references show
    how strict the score is at the other end: the true glyph itself, moved by one pixel
    (right; right and down), as a perfect drawing placed one pixel off would score. And
    `registered` scores the model's outputs after the oracle re-registration above. With
    `fit` > 0, `fitted` scores the style fitted to that many training pairs of the target
    (`reference_sources`) instead of the label's embedding."""
    pipe = TranslationPipeline.from_pretrained(model, device="cpu")
    table = {}
    for target in targets:
        sources, truths, _ = test_pairs(folder, SOURCE, target)
        seen, seen_truths, _ = test_pairs(folder, SOURCE, target, "train", len(sources))
        outputs = pipe(sources, to=target).tensors
        table[target] = {
            "n": len(sources),
            "model": score(outputs, truths),
            "identity": score(sources, truths),
            "blank": score([torch.full_like(t, 255) for t in truths], truths),
            "truth moved 1 px": score(shifted(truths, 1, 0), truths),
            "truth moved 1 px diagonally": score(shifted(truths, 1, 1), truths),
            "registered": score(registered(outputs, truths), truths),
            "train split": score(pipe(seen, to=target).tensors, seen_truths),
        }
        if fit > 0:
            pairs, references, _ = test_pairs(folder, SOURCE, target, "train", fit)
            fitted = pipe(sources, reference=references, reference_sources=pairs).tensors
            table[target][f"fitted to {fit} train pairs"] = score(fitted, truths)
    return table


def seed_diversity(pipe: TranslationPipeline, image: torch.Tensor, target: str, seeds: int = 8):
    """Mean pairwise MobileNetV2 feature distance among one input's outputs over seeds."""
    vectors = features(torch.stack(pipe(image, to=target, seeds=range(seeds)).tensors))
    pairs = list(itertools.combinations(range(seeds), 2))
    distance = feature_distance(vectors[[i for i, _ in pairs]], vectors[[j for _, j in pairs]])
    return float(distance.mean())


def subset(root: Path, styles: list[str], out: Path) -> Path:
    """A dataset folder holding only `styles` (copied, so cache keys stay honest)."""
    if out.exists():
        shutil.rmtree(out)
    for style in styles:
        shutil.copytree(root / style, out / style)
    return out


def part_paired(args: argparse.Namespace, root: Path, folder: StyleFolder) -> None:
    targets = [s for s in folder.style_names if s != SOURCE]
    if args.chars != EVAL_CHARS:
        built = args.out / f"fonts-cjk-64-{args.chars}"
        root, _ = build_dataset("fonts-cjk", built, size=64, limit=args.chars)
    model = args.model or train(
        root, args.preset, args.overrides, args.minutes, args.out, "paired", args.kimg
    )
    report = evaluate_paired(model, folder, targets, args.fit)
    emit("paired", report)
    pipe = TranslationPipeline.from_pretrained(model, device="cpu")
    first = test_pairs(folder, SOURCE, targets[0])[0][0]
    emit("diversity", {t: seed_diversity(pipe, first, t) for t in targets})
    if args.baseline:
        common = [args.threads_override]
        baseline = train(root, args.baseline, common, args.minutes, args.out, "baseline", args.kimg)
        emit("baseline", {"preset": args.baseline, **evaluate_paired(baseline, folder, targets)})
    if "ablation" in args.parts:
        overrides = [*args.overrides, *ABLATION]
        name = "no-adversarial"
        ablation = train(root, args.preset, overrides, args.minutes, args.out, name, args.kimg)
        emit("ablation", evaluate_paired(ablation, folder, targets))


def part_unseen(args: argparse.Namespace, root: Path, folder: StyleFolder) -> None:
    kept = [s for s in folder.style_names if s != args.unseen]
    data = subset(root, kept, args.out / "fonts-cjk-7")
    name = f"without-{args.unseen}"
    model = args.unseen_model or train(
        data, args.preset, args.overrides, args.side_minutes, args.out, name, args.kimg
    )
    pipe = TranslationPipeline.from_pretrained(model, device="cpu")
    sources, truths, _ = test_pairs(folder, SOURCE, args.unseen)
    unseen_id, source_id = folder.style_id(args.unseen), folder.style_id(SOURCE)
    train_glyphs = [i for i in folder.indices("train") if folder.labels[i] == unseen_id]
    stems = {i: stem for stem, ids in folder.pairs.by_stem.items() for i in ids.values()}
    generator = torch.Generator().manual_seed(0)
    order = torch.randperm(len(train_glyphs), generator=generator).tolist()
    rows = {"identity": score(sources, truths), "n": len(sources)}
    for k in (8, 32):
        chosen = [train_glyphs[i] for i in order[:k]]
        references = [folder.image(i) for i in chosen]
        rows[f"K={k}"] = score(pipe(sources, reference=references).tensors, truths)
        pairs = [folder.image(folder.pairs.by_stem[stems[i]][source_id]) for i in chosen]
        started = time.perf_counter()
        drawn = pipe(sources, reference=references, reference_sources=pairs).tensors
        seconds = round(time.perf_counter() - started, 1)
        rows[f"K={k}, fitted"] = {**score(drawn, truths), "fit_and_draw_seconds": seconds}
    emit("unseen", {args.unseen: rows})


def part_unpaired(args: argparse.Namespace) -> None:
    emoji, _ = build_dataset("emoji", args.out / "emoji-64", size=64)
    data = subset(emoji, ["google", "twitter"], args.out / "emoji-google-twitter")
    unpaired = [*args.overrides, "loss.pairing=unpaired"]
    name = "emoji-unpaired"
    model = train(data, args.preset, unpaired, args.side_minutes, args.out, name, args.kimg)
    folder = StyleFolder.open(data, load_run_config(args.preset).data)
    pipe = TranslationPipeline.from_pretrained(model, device="cpu")
    rows = {}
    for source, target in (("google", "twitter"), ("twitter", "google")):
        sources, truths, _ = test_pairs(folder, source, target)
        rows[f"{source}->{target}"] = {
            "n": len(sources),
            "model": score(pipe(sources, to=target).tensors, truths),
            "identity": score(sources, truths),
        }
    emit("unpaired", rows)
    first = test_pairs(folder, "google", "twitter")[0][0]
    emit("unpaired-diversity", {"google->twitter": seed_diversity(pipe, first, "twitter")})


def emit(kind: str, payload: dict) -> None:
    print(json.dumps({"part": kind, "result": payload}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=15.0, help="budget of paired/ablation")
    parser.add_argument("--side-minutes", type=float, default=10.0, help="unseen/unpaired budget")
    parser.add_argument("--parts", default="paired,ablation,unseen,unpaired")
    parser.add_argument("--unseen", default="fangsong", help="the style left out of training")
    parser.add_argument(
        "--fit", type=int, default=0, help="paired part: also score styles fitted to N pairs"
    )
    parser.add_argument(
        "--unseen-model", type=Path, help="score this model in the unseen part, not a new one"
    )
    parser.add_argument("--preset", default="translate-64")
    parser.add_argument("--baseline", default="", help="a preset for a baseline paired model")
    parser.add_argument("--kimg", type=float, default=0.0, help="fixed budget instead of minutes")
    parser.add_argument(
        "--set", dest="overrides", nargs="*", default=[], help="key=value overrides, all parts"
    )
    parser.add_argument(
        "--chars", type=int, default=EVAL_CHARS, help="characters the paired parts train on"
    )
    parser.add_argument(
        "--threads", type=int, default=CORES, help="1 to run two benchmarks side by side"
    )
    parser.add_argument(
        "--model", type=Path, help="part paired scores this model folder instead of training one"
    )
    parser.add_argument("--out", type=Path, default=Path("/tmp/transfer_quality"))
    args = parser.parse_args()
    reuse_freed_memory()
    args.parts = args.parts.split(",")
    threads = args.threads
    torch.set_num_threads(threads)
    args.threads_override = f"train.threads={threads}"  # trainers set their own thread count
    print(
        f"machine: {platform.machine()}, {CORES} cores, {threads} threads, "
        f"torch {torch.__version__}; "
        f"preset {args.preset} (generator {load_run_config(args.preset).model.generator}); "
        f"overrides {args.overrides}; "
        f"date {time.strftime('%Y-%m-%d')}",
        flush=True,
    )
    args.overrides.append(args.threads_override)
    if args.baseline:
        generator = load_run_config(args.baseline).model.generator
        print(f"baseline preset {args.baseline} (generator {generator})", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    root, _ = build_dataset("fonts-cjk", args.out / "fonts-cjk-64", size=64, limit=EVAL_CHARS)
    folder = StyleFolder.open(root, load_run_config(args.preset).data)
    if "paired" in args.parts:
        part_paired(args, root, folder)
    if "unseen" in args.parts:
        part_unseen(args, root, folder)
    if "unpaired" in args.parts:
        part_unpaired(args)


if __name__ == "__main__":
    main()
