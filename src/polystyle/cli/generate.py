"""`polystyle generate MODEL`, `polystyle info MODEL`, `polystyle export RUN`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from polystyle.models.folder import read_model_json
from polystyle.pipelines import SynthesisPipeline
from polystyle.sampling.grids import make_grid
from polystyle.sampling.seeds import parse_seeds
from polystyle.training.run import export_run


def register(subparsers: argparse._SubParsersAction) -> None:
    generate = subparsers.add_parser("generate", help="draw images from a trained model")
    generate.add_argument("model", type=Path, help="model folder (runs/<id>/model)")
    generate.add_argument(
        "--style", default="all", help="a style name, a blend like kai=0.7,hei=0.3, or all"
    )
    generate.add_argument("--seeds", default="0-15", help="e.g. 0-63 or 1,5,9")
    generate.add_argument("--truncation", type=float, default=1.0, help="1 = none, 0 = mean")
    generate.add_argument("--grid", action="store_true", help="one grid PNG instead of files")
    generate.add_argument("--out", type=Path, default=Path("generated"))
    generate.add_argument("--device", default="auto")
    generate.add_argument("--json", action="store_true")
    generate.set_defaults(handler=run_generate)

    info = subparsers.add_parser("info", help="what a model folder holds")
    info.add_argument("model", type=Path)
    info.add_argument("--json", action="store_true")
    info.set_defaults(handler=run_info)

    export = subparsers.add_parser("export", help="write a run's model folder from a checkpoint")
    export.add_argument("run", type=Path, help="the run folder (runs/<id>)")
    export.add_argument("--out", type=Path, help="model folder (default: RUN/model)")
    export.set_defaults(handler=run_export)


def run_generate(args: argparse.Namespace) -> int:
    pipe = SynthesisPipeline.from_pretrained(args.model, device=args.device)
    seeds = parse_seeds(args.seeds)
    styles = pipe.style_names if args.style == "all" else [args.style]
    args.out.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    rows = []
    for style in styles:
        output = pipe(style, seeds, truncation=args.truncation)
        rows.append(output.tensor)
        if not args.grid:
            safe = style.replace("=", "").replace(",", "+").replace("/", "_")
            for seed, image in zip(seeds, output.images, strict=True):
                path = args.out / f"{safe}-seed{seed:04d}.png"
                image.save(path)
                written.append(str(path))
    if args.grid:
        name = "all" if args.style == "all" else styles[0].replace("/", "_")
        path = args.out / f"grid-{name}.png"
        make_grid(torch.cat(rows), columns=len(seeds)).save(path)
        written.append(str(path))
    if args.json:
        print(json.dumps({"files": written, "styles": styles, "seeds": seeds}))
    else:
        print(
            f"wrote {len(written)} file(s) to {args.out}"
            + (f": {written[0]}" if len(written) == 1 else "")
        )
    return 0


def run_info(args: argparse.Namespace) -> int:
    meta = read_model_json(args.model)
    if args.json:
        print(json.dumps(meta, indent=2, ensure_ascii=False))
        return 0
    image = meta["image"]
    training = meta.get("training", {})
    print(
        f"{args.model}: {meta['kind']} model, architecture {meta['architecture']}, "
        f"{image['size']} px, {image['channels']} channel(s)"
    )
    print(
        f"  written by polystyle {meta['package_version']} (format {meta['format_version']})"
        + (f", trained {training['kimg']} kimg ({training['step']} steps)" if training else "")
    )
    print(f"  {len(meta['styles'])} styles:")
    for style in meta["styles"]:
        print(f"    {style['name']:<16}{style['description']}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    path = export_run(args.run, args.out)
    print(f"model folder: {path}")
    return 0
