"""`polystyle datasets list | build NAME | inspect DATA`."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from polystyle.cli.options import add_data_flags, add_json_flag, data_config
from polystyle.config import DataConfig
from polystyle.data import StyleFolder
from polystyle.data.builtin import build_dataset, get_dataset
from polystyle.data.inspect import format_summary, summarize
from polystyle.data.resolve import resolve_root
from polystyle.data.sheet import style_sheet
from polystyle.registry import DATASETS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("datasets", help="list, build and inspect style datasets")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="the built-in datasets")
    add_json_flag(listing)
    listing.set_defaults(handler=run_list)

    build = actions.add_parser("build", help="build a built-in dataset into a folder")
    build.add_argument("name", help="built-in dataset name (see `datasets list`)")
    build.add_argument("--out", type=Path, help="output folder (default: data/<name>)")
    build.add_argument("--size", type=int, help="image size in pixels (default 64)")
    build.add_argument(
        "--chars",
        "--limit",
        dest="limit",
        type=int,
        help="take only the first N characters / emoji",
    )
    build.add_argument("--force", action="store_true", help="rebuild even if up to date")
    build.add_argument("--sheet", type=Path, help="also write a contact sheet PNG here")
    add_json_flag(build)
    build.set_defaults(handler=run_build)

    inspect = actions.add_parser("inspect", help="styles, counts, sizes, pairs and problems")
    inspect.add_argument("data", help="a dataset folder or a built-in dataset name")
    inspect.add_argument("--sheet", type=Path, help="also write a contact sheet PNG here")
    add_data_flags(inspect)
    add_json_flag(inspect)
    inspect.set_defaults(handler=run_inspect)


def run_list(args: argparse.Namespace) -> int:
    rows = [get_dataset(name) for name in DATASETS]
    if args.json:
        print(
            json.dumps(
                [{"name": d.name, "summary": d.summary, "needs": d.needs} for d in rows], indent=2
            )
        )
        return 0
    for d in rows:
        print(f"{d.name:<12}{d.summary}\n{'':<12}needs: {d.needs}")
    return 0


def run_build(args: argparse.Namespace) -> int:
    out = args.out or Path("data") / args.name
    started = time.perf_counter()
    root, built = build_dataset(args.name, out, size=args.size, limit=args.limit, force=args.force)
    seconds = time.perf_counter() - started
    folder = StyleFolder.open(
        root, DataConfig(size=args.size or get_dataset(args.name).default_size)
    )
    if args.sheet:
        write_sheet(folder, args.sheet)
    summary = summarize(folder)
    if args.json:
        print(
            json.dumps(
                {"out": str(root), "built": built, "seconds": round(seconds, 2), **summary},
                indent=2,
                ensure_ascii=False,
            )
        )
        return 0
    state = f"built in {seconds:.1f} s" if built else "already up to date (use --force to rebuild)"
    print(f"{args.name} in {root}: {state}")
    print(format_summary(summary))
    if args.sheet:
        print(f"\n  contact sheet: {args.sheet}")
    return 0


def write_sheet(folder: StyleFolder, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    style_sheet(folder).save(path)


def run_inspect(args: argparse.Namespace) -> int:
    config = data_config(args)
    folder = StyleFolder.open(resolve_root(args.data, config.size), config, rebuild=args.rebuild)
    if args.sheet:
        write_sheet(folder, args.sheet)
    summary = summarize(folder)
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print(format_summary(summary))
        if args.sheet:
            print(f"\n  contact sheet: {args.sheet}")
    return 0
