"""`polystyle train DATA` and `polystyle resume RUN`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from polystyle.config import preset_names
from polystyle.errors import ConfigError
from polystyle.training.run import RunResult, build_config, resume_run, start_run
from polystyle.training.translation import is_translation

TRANSLATE_PRESET = "translate-64"


def register(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser("train", help="train a style-conditioned GAN on a dataset")
    train.add_argument("data", help="a dataset folder (<root>/<style>/*.png) or a built-in name")
    train.add_argument(
        "--preset",
        default="auto",
        help=f"auto (by device and task) or one of: {', '.join(preset_names())}, or a .yaml",
    )
    train.add_argument(
        "--task",
        choices=["synthesis", "translate"],
        help="synthesis: noise -> images; translate: image -> image (stargan-lite). Default: "
        "what the preset's architecture does (auto preset: synthesis)",
    )
    budget = train.add_mutually_exclusive_group()
    budget.add_argument("--minutes", type=float, help="stop after this much training time")
    budget.add_argument("--kimg", type=float, help="stop after this many thousand images")
    train.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value, e.g. loss.name=hinge",
    )
    train.add_argument("--out", type=Path, default=Path("runs"), help="where run folders go")
    train.add_argument("--name", help="run folder name (default: time + dataset)")
    train.add_argument("--seed", type=int, help="seed for init, batches and noise")
    train.add_argument("--device", default="auto", help="auto | cpu | cuda")
    train.add_argument("--threads", type=int, help="CPU threads (default: all cores)")
    train.add_argument("--json", action="store_true", help="print the result as JSON")
    train.set_defaults(handler=run_train)

    resume = subparsers.add_parser("resume", help="continue a run from its latest checkpoint")
    resume.add_argument("run", type=Path, help="the run folder (runs/<id>)")
    resume.add_argument("--minutes", type=float, help="new time budget (total)")
    resume.add_argument("--kimg", type=float, help="new length in thousand images (total)")
    resume.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    resume.add_argument("--json", action="store_true")
    resume.set_defaults(handler=run_resume)


def _budget(args: argparse.Namespace) -> list[str]:
    flags = []
    if args.minutes is not None:
        flags.append(f"train.minutes={args.minutes}")
    if args.kimg is not None:
        flags.append(f"train.kimg={args.kimg}")
    return flags


def _report(result: RunResult, as_json: bool) -> int:
    if as_json:
        print(
            json.dumps(
                {
                    "run": str(result.run_dir),
                    "model": str(result.model_dir),
                    "reason": result.reason,
                    "step": result.step,
                    "kimg": result.kimg,
                }
            )
        )
    return 0


def run_train(args: argparse.Namespace) -> int:
    overrides = list(args.overrides)
    if args.threads is not None:
        overrides.append(f"train.threads={args.threads}")
    preset = TRANSLATE_PRESET if args.task == "translate" and args.preset == "auto" else args.preset
    config = build_config(preset, overrides, args.device, args.seed, args.minutes, args.kimg)
    if args.task and (args.task == "translate") != is_translation(config.model.architecture):
        raise ConfigError(
            f"--task {args.task} does not match model.architecture="
            f"{config.model.architecture}; use --task translate with --preset {TRANSLATE_PRESET} "
            "(or model.architecture=stargan-lite), --task synthesis with a synthesis preset"
        )
    return _report(start_run(args.data, config, args.out, args.name), args.json)


def run_resume(args: argparse.Namespace) -> int:
    return _report(resume_run(args.run, _budget(args) + list(args.overrides)), args.json)
