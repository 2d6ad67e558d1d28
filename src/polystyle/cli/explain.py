"""`polystyle explain MODEL`: a page of what the model does with style."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from polystyle.cli.options import add_json_flag
from polystyle.config import DataConfig
from polystyle.data import StyleFolder
from polystyle.data.resolve import resolve_root
from polystyle.errors import ConfigError
from polystyle.explain import explain_model
from polystyle.pipelines import SynthesisPipeline


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="style-space map, strength sweep, layer attribution and latent directions as HTML",
    )
    parser.add_argument("model", type=Path, help="model folder (runs/<id>/model)")
    parser.add_argument(
        "--data",
        help="the dataset the model was trained on, folder or built-in name "
        "(default: the one model.json records)",
    )
    parser.add_argument("--out", type=Path, help="page folder (default: MODEL/explain)")
    parser.add_argument("--seed", type=int, default=0, help="noise seed for every analysis")
    parser.add_argument("--style-a", help="style the sweep starts from (default: the first)")
    parser.add_argument("--style-b", help="style the sweep ends at (default: the next one)")
    parser.add_argument("--device", default="auto")
    add_json_flag(parser)
    parser.set_defaults(handler=run_explain)


def training_data(meta: dict, model: Path) -> str:
    """The dataset model.json records, checked to still exist, for when --data is left out."""
    recorded = meta.get("training", {}).get("data")
    if recorded is None:
        raise ConfigError(
            f"{model / 'model.json'} does not record the dataset it was trained on (exported "
            "by an older polystyle); pass --data DIR with that dataset"
        )
    if not Path(recorded).is_dir():
        raise ConfigError(
            f"{model / 'model.json'} records training data {recorded}, which no longer "
            "exists; pass --data DIR (a folder or built-in dataset name)"
        )
    return recorded


def run_explain(args: argparse.Namespace) -> int:
    if args.seed < 0:
        raise ConfigError(f"--seed {args.seed}: use a seed >= 0")
    pipe = SynthesisPipeline.from_pretrained(args.model, device=args.device)
    image = pipe.meta["image"]
    data = args.data if args.data is not None else training_data(pipe.meta, args.model)
    root = resolve_root(data, image["size"])
    folder = StyleFolder.open(root, DataConfig(size=image["size"], channels=image["channels"]))
    out = args.out or args.model / "explain"
    report = explain_model(pipe, folder, out, args.seed, args.style_a, args.style_b)
    page = out / "index.html"
    if args.json:
        print(json.dumps({"index": str(page), **report}, ensure_ascii=False))
    else:
        print(f"wrote {page}")
        print(report["layers"]["sentence"])
    return 0
