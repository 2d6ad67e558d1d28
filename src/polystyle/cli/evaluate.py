"""`polystyle evaluate MODEL --data DIR` and `polystyle evaluate-pairs PRED_DIR TRUE_DIR`."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from polystyle.cli.options import add_json_flag
from polystyle.config import DataConfig
from polystyle.data import StyleFolder
from polystyle.data.resolve import resolve_root
from polystyle.errors import ConfigError
from polystyle.fileio import atomic_write_json
from polystyle.metrics.eval_report import write_eval_outputs
from polystyle.metrics.evaluation import DEFAULT_METRICS, LAYOUT_SEEDS, EvalContext, evaluate
from polystyle.metrics.paired import load_pairs, paired_report
from polystyle.pipelines import SynthesisPipeline
from polystyle.registry import METRICS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="FID/KID, precision/recall, style accuracy, diversity, layout agreement of a model",
    )
    parser.add_argument("model", type=Path, help="model folder (runs/<id>/model)")
    parser.add_argument("--data", required=True, help="the dataset folder or built-in name")
    parser.add_argument("--split", default="test", help="real images: train, val, test or all")
    parser.add_argument("--n", type=int, default=2000, help="generated images, split over styles")
    parser.add_argument(
        "--metrics",
        default=",".join(DEFAULT_METRICS),
        help=f"comma-separated, from: {', '.join(DEFAULT_METRICS)}",
    )
    parser.add_argument("--truncation", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0, help="first noise seed; KID subsets")
    parser.add_argument("--out", type=Path, help="report folder (default: MODEL/eval)")
    parser.add_argument("--device", default="auto")
    add_json_flag(parser)
    parser.set_defaults(handler=run_evaluate)

    pairs = subparsers.add_parser(
        "evaluate-pairs", help="SSIM, PSNR, RMSE, feature distance of predictions vs targets"
    )
    pairs.add_argument("pred", type=Path, help="predicted images (flat or <style>/ folders)")
    pairs.add_argument("true", type=Path, help="ground truth, paired with pred by file name")
    pairs.add_argument("--size", type=int, help="resize both sides to this square size")
    pairs.add_argument("--out", type=Path, help="where metrics.json goes (default: PRED/eval)")
    add_json_flag(pairs)
    pairs.set_defaults(handler=run_evaluate_pairs)


def _metric_list(text: str) -> list[str]:
    names = [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in names if m not in METRICS]
    if unknown or not names:
        raise ConfigError(f"--metrics {text!r}: choose from {', '.join(METRICS.keys())}")
    return names


def run_evaluate(args: argparse.Namespace) -> int:
    metrics = _metric_list(args.metrics)
    if args.n < 2:
        raise ConfigError(f"--n {args.n}: need at least 2 generated images per style")
    pipe = SynthesisPipeline.from_pretrained(args.model, device=args.device)
    image = pipe.meta["image"]
    root = resolve_root(args.data, image["size"])
    folder = StyleFolder.open(root, DataConfig(size=image["size"], channels=image["channels"]))
    if folder.style_names != pipe.style_names:
        raise ConfigError(
            f"the model's styles {pipe.style_names} differ from {root}'s {folder.style_names}; "
            "evaluate on the dataset the model was trained on"
        )
    per_style = max(2, math.ceil(args.n / len(pipe.style_names)))
    fake, labels = pipe.per_style_samples(per_style, seed=args.seed, truncation=args.truncation)
    restyled = None
    if "layout_agreement" in metrics:
        restyled = pipe.shared_seed_samples(
            min(per_style, LAYOUT_SEEDS), seed=args.seed, truncation=args.truncation
        )
    ctx = EvalContext(fake, labels, folder, split=args.split, seed=args.seed, restyled=restyled)
    report = {
        "model": str(args.model),
        "data": str(root),
        "truncation": args.truncation,
        **evaluate(ctx, metrics),
    }
    paths = write_eval_outputs(report, args.out or args.model / "eval")
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print((paths["markdown"]).read_text())
        print("written: " + ", ".join(str(p) for p in paths.values()))
    return 0


def _db(psnr: float | None) -> str:
    return "identical" if psnr is None else f"{psnr:.2f}"


def run_evaluate_pairs(args: argparse.Namespace) -> int:
    pred, true, labels, names, problems = load_pairs(args.pred, args.true, args.size)
    report = paired_report(pred, true, labels, names)
    report["problems"] = [p.to_dict() for p in problems]
    out = args.out or args.pred / "eval"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "pairs.json"
    atomic_write_json(path, report)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    print(f"{report['n']} pair(s); {len(problems)} file(s) skipped (see problems in the JSON)")
    print("| style | n | SSIM | PSNR dB | RMSE | MobileNetV2 feature distance |")
    print("|---|---|---|---|---|---|")
    for style, row in [*report["per_style"].items(), ("mean", report["mean"])]:
        print(
            f"| {style} | {row.get('n', report['n'])} | {row['ssim']:.4f} | {_db(row['psnr'])} "
            f"| {row['rmse']:.4f} | {row['mobilenet_feature_distance']:.4f} |"
        )
    print(f"written: {path}")
    return 0
