"""`polystyle transfer MODEL`: images (files or folders) or a line of text, in another style."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from polystyle.data.images import IMAGE_EXTENSIONS
from polystyle.errors import ConfigError
from polystyle.pipelines.translation import TranslationPipeline, parse_size
from polystyle.sampling.seeds import parse_seeds
from polystyle.styles.codes import parse_blend


def register(subparsers: argparse._SubParsersAction) -> None:
    transfer = subparsers.add_parser(
        "transfer", help="render images or text in a style with a translation model"
    )
    transfer.add_argument("model", type=Path, help="a translation model folder")
    source = transfer.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--input", type=Path, nargs="+", help="image files and/or folders of images"
    )
    source.add_argument("--text", help="a line of text, drawn in the source font (glyph models)")
    transfer.add_argument("--to", help="target style name, or a blend like kai=0.5,hei=0.5")
    transfer.add_argument(
        "--reference", type=Path, nargs="+", help="images whose mean style is the target"
    )
    transfer.add_argument(
        "--fit",
        action="store_true",
        help="glyph models, with --reference: fit the style to the references instead of "
        "averaging their codes; name each reference after its character (永.png or u6c38.png)",
    )
    transfer.add_argument("--prompt", help="text that picks the target style weights")
    transfer.add_argument("--temperature", type=float, default=0.1)
    transfer.add_argument(
        "--strength", type=float, default=1.0, help="0 = keep the input's style, 1 = full"
    )
    transfer.add_argument("--seeds", default="0", help="one output per seed, e.g. 0-7")
    transfer.add_argument(
        "--size",
        default="model",
        help="model (scale to the training size, default), native, or a side in pixels",
    )
    transfer.add_argument("--font", type=Path, help="with --text: the source font file")
    transfer.add_argument(
        "--source-style",
        help="with --text: built-in font style to draw the source in (default: the style "
        "the model was trained from, else hei)",
    )
    transfer.add_argument("--out", type=Path, default=Path("transferred"))
    transfer.add_argument("--device", default="auto")
    transfer.add_argument("--json", action="store_true")
    transfer.set_defaults(handler=run_transfer)


def input_files(paths: list[Path]) -> list[Path]:
    """Files as given; folders expanded to their image files (sorted, not recursive)."""
    files = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)
            if not found:
                raise ConfigError(f"--input {path}: the folder holds no images")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigError(f"--input {path}: no such file or folder")
    return files


def _target(args: argparse.Namespace) -> dict:
    to, weights = args.to, None
    if to and ("=" in to or "," in to):
        to, weights = None, parse_blend(args.to)
    return {
        "to": to,
        "weights": weights,
        "reference": args.reference,
        "prompt": args.prompt,
        "temperature": args.temperature,
        "strength": args.strength,
        "seeds": parse_seeds(args.seeds),
        "size": parse_size(args.size),
    }


def run_transfer(args: argparse.Namespace) -> int:
    pipe = TranslationPipeline.from_pretrained(args.model, device=args.device)
    options = _target(args)
    target = args.to or ("prompt" if args.prompt else "reference")
    target_name = target.replace("=", "").replace(",", "_")
    args.out.mkdir(parents=True, exist_ok=True)
    written = []
    if args.text is not None:
        out = pipe.render_text(
            args.text,
            font=args.font,
            source_style=args.source_style,
            fit=args.fit,
            **options,
        )
        for seed, image in zip(out.seeds, out.images, strict=True):
            path = args.out / f"text-{target_name}-seed{seed:04d}.png"
            image.save(path)
            written.append(str(path))
    else:
        files = input_files(args.input)
        if args.fit:
            options["reference_sources"] = pipe.glyph_sources(
                args.reference, args.font, args.source_style
            )
        out = pipe(files, **options)
        per = len(out.seeds)
        for i, image in enumerate(out.images):
            source, seed = files[i // per], out.seeds[i % per]
            path = args.out / f"{source.stem}-{target_name}-seed{seed:04d}.png"
            image.save(path)
            written.append(str(path))
    if args.json:
        print(json.dumps({"files": written, "weights": out.weights}, ensure_ascii=False))
    else:
        print(f"wrote {len(written)} image(s) to {args.out}")
        if out.prompt is not None:
            print("prompt weights: " + ", ".join(f"{k}={v:.2f}" for k, v in out.weights.items()))
    return 0
