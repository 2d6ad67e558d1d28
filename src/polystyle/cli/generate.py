"""`polystyle generate|mix|info MODEL` and `polystyle export RUN`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from polystyle.errors import ConfigError
from polystyle.models.base import build_generator
from polystyle.models.folder import read_model_json
from polystyle.pipelines import SynthesisPipeline
from polystyle.sampling.grids import make_grid
from polystyle.sampling.seeds import parse_seeds
from polystyle.styles.codes import StyleSpec
from polystyle.styles.prompt import PromptMatch
from polystyle.styles.reference import REFERENCE_CODES
from polystyle.training.run import export_run


def _add_control_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", default="0-15", help="e.g. 0-63 or 1,5,9")
    parser.add_argument("--truncation", type=float, default=1.0, help="1 = none, 0 = mean")
    parser.add_argument(
        "--layers",
        help="per-layer mixing: 0-3:kai,4-:hei (ranges of style layers; see `polystyle info`)",
    )
    parser.add_argument(
        "--direction",
        help="latent-direction sliders in standard deviations, e.g. 0=1.5,2=-1 (GANSpace PCA)",
    )
    parser.add_argument("--grid", action="store_true", help="one grid PNG instead of files")
    parser.add_argument("--out", type=Path, default=Path("generated"))
    parser.add_argument("--device", default="auto")
    parser.add_argument("--json", action="store_true")


def register(subparsers: argparse._SubParsersAction) -> None:
    generate = subparsers.add_parser("generate", help="draw images from a trained model")
    generate.add_argument("model", type=Path, help="model folder (runs/<id>/model)")
    generate.add_argument(
        "--style", help="a style name, a blend like kai=0.7,hei=0.3, or all (the default)"
    )
    generate.add_argument("--prompt", help="text that picks the style weights, e.g. 'bold sans'")
    generate.add_argument(
        "--temperature", type=float, default=0.1, help="prompt sharpness: smaller = fewer styles"
    )
    generate.add_argument(
        "--reference", type=Path, help="an image whose style to draw in (read by the encoder)"
    )
    generate.add_argument(
        "--reference-code",
        choices=REFERENCE_CODES,
        default="blend",
        help="blend: the known styles the encoder recognises (default); encoder: its raw "
        "embedding, which can reach beyond them",
    )
    generate.add_argument(
        "--grid-axes",
        choices=["style,seed", "seed,style"],
        default="style,seed",
        help="with --grid: rows,columns",
    )
    _add_control_flags(generate)
    generate.set_defaults(handler=run_generate)

    mix = subparsers.add_parser("mix", help="blend styles with weights and/or mix them per layer")
    mix.add_argument("model", type=Path, help="model folder (runs/<id>/model)")
    mix.add_argument("--weights", required=True, help="the blend, e.g. kai=0.7,sosho=0.3")
    _add_control_flags(mix)
    mix.set_defaults(handler=run_mix)

    info = subparsers.add_parser("info", help="what a model folder holds")
    info.add_argument("model", type=Path)
    info.add_argument("--json", action="store_true")
    info.set_defaults(handler=run_info)

    export = subparsers.add_parser("export", help="write a run's model folder from a checkpoint")
    export.add_argument("run", type=Path, help="the run folder (runs/<id>)")
    export.add_argument("--out", type=Path, help="model folder (default: RUN/model)")
    export.set_defaults(handler=run_export)


def parse_directions(text: str | None) -> dict[int, float]:
    """`0=1.5,2=-1` -> {0: 1.5, 2: -1.0}."""
    if not text:
        return {}
    directions = {}
    for part in text.split(","):
        index, sep, amount = part.partition("=")
        try:
            directions[int(index)] = float(amount)
        except ValueError:
            sep = ""
        if not sep:
            raise ConfigError(f"--direction {text!r}: write index=sigmas pairs, e.g. 0=1.5,2=-1")
    return directions


def _safe(name: str) -> str:
    return name.replace("=", "").replace(",", "+").replace("/", "_").replace(" ", "_")


def run_generate(args: argparse.Namespace) -> int:
    pipe = SynthesisPipeline.from_pretrained(args.model, device=args.device)
    chosen = [f for f in ("style", "prompt", "reference") if getattr(args, f) is not None]
    if len(chosen) > 1:
        raise ConfigError(f"give one of --style, --prompt, --reference, not both {chosen}")
    if args.reference is not None:
        specs = [(f"ref-{args.reference.stem}", None)]
        return _render(args, pipe, specs, args.reference, reference_code=args.reference_code)
    if args.prompt is not None:
        match = pipe.match_prompt(args.prompt, args.temperature)
        shown = ", ".join(
            f"{name} {weight:.2f} (similarity {match.similarities[name]:.2f})"
            for name, weight in match.weights.items()
        )
        if not args.json:
            print(f"prompt {args.prompt!r} -> {shown}")
        return _render(args, pipe, [("prompt", match.weights)], prompt=match)
    style = args.style or "all"
    specs = [(n, n) for n in pipe.style_names] if style == "all" else [(style, style)]
    return _render(args, pipe, specs)


def run_mix(args: argparse.Namespace) -> int:
    pipe = SynthesisPipeline.from_pretrained(args.model, device=args.device)
    name = "mix" if args.layers else args.weights
    return _render(args, pipe, [(name, args.weights)])


def _render(
    args: argparse.Namespace,
    pipe: SynthesisPipeline,
    specs: list[tuple[str, StyleSpec | None]],
    reference: Path | None = None,
    prompt: PromptMatch | None = None,
    reference_code: str = "blend",
) -> int:
    """Write one image per (spec, seed), or one grid; `specs` are (file label, style spec)."""
    seeds = parse_seeds(args.seeds)
    directions = parse_directions(args.direction)
    args.out.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    rows = []
    for name, spec in specs:
        output = pipe(
            spec,
            seeds,
            args.truncation,
            layers=args.layers,
            directions=directions,
            reference=reference,
            reference_code=reference_code,
        )
        rows.append(output.tensor)
        if not args.grid:
            for seed, image in zip(seeds, output.images, strict=True):
                path = args.out / f"{_safe(name)}-seed{seed:04d}.png"
                image.save(path)
                written.append(str(path))
    if args.grid:
        grid = torch.stack(rows)  # styles x seeds x C x H x W
        if getattr(args, "grid_axes", "style,seed") == "seed,style":
            grid = grid.transpose(0, 1)
        label = "all" if len(specs) > 1 else _safe(specs[0][0])
        path = args.out / f"grid-{label}.png"
        make_grid(grid.flatten(0, 1), columns=grid.shape[1]).save(path)
        written.append(str(path))
    if args.json:
        result = {"files": written, "styles": [n for n, _ in specs], "seeds": seeds}
        if prompt is not None:
            result["prompt"] = {"weights": prompt.weights, "similarities": prompt.similarities}
        print(json.dumps(result))
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
    generator = build_generator(meta["architecture"], meta["config"])
    if generator.num_ws > 1:
        layers = ", ".join(f"{i}: {r} px" for i, r in enumerate(generator.layer_resolutions()))
        print(f"  {generator.num_ws} style layers for --layers ({layers})")
    print(f"  {len(meta['styles'])} styles:")
    for style in meta["styles"]:
        print(f"    {style['name']:<16}{style['description']}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    path = export_run(args.run, args.out)
    print(f"model folder: {path}")
    return 0
