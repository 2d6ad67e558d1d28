"""`polystyle interpolate MODEL`: animations between seeds, between styles, or round all styles."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from polystyle.cli.options import add_json_flag
from polystyle.errors import ConfigError
from polystyle.pipelines import SynthesisPipeline
from polystyle.sampling.animation import check_format, save_animation, save_strip
from polystyle.sampling.interpolate import MODES, interpolation_frames, style_wheel
from polystyle.sampling.seeds import parse_seeds

PATH_FRAMES = 16
WHEEL_STEPS = 8

EPILOG = """\
paths:
  --seeds 0,5,9 --style kai        the noise moves through the seeds, the style stays
  --styles kai --styles hei=0.5,sosho=0.5 --seed 3
                                   the style moves through names/blends, the seed stays
  --wheel --seed 3                 one seed through every style and back to the first

Repeat --styles once per keypoint, because a blend has commas of its own; a value made of
plain names only may list several at once (--styles kai,hei,sosho).
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "interpolate",
        help="animate a path between seeds or styles (GIF, WebP, MP4, PNG strip)",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model", type=Path, help="model folder (runs/<id>/model)")
    parser.add_argument("--seeds", help="keypoint seeds for a noise path, e.g. 0,5,9")
    parser.add_argument("--seed", type=int, help="the one seed of a --styles or --wheel path")
    parser.add_argument(
        "--style", metavar="SPEC", help="the one style of a --seeds path: a name or a blend"
    )
    parser.add_argument(
        "--styles",
        action="append",
        metavar="SPEC",
        help="a keypoint style or blend; repeat per keypoint (--styles kai --styles hei=0.5,"
        "sosho=0.5), or list plain names in one (--styles kai,hei)",
    )
    parser.add_argument("--wheel", action="store_true", help="one seed round all the styles")
    parser.add_argument(
        "--frames",
        type=int,
        help=f"total frames, keypoints included (default {PATH_FRAMES}; with --wheel, "
        f"{WHEEL_STEPS} per style, and a total must be a multiple of the style count)",
    )
    parser.add_argument(
        "--mode",
        choices=MODES,
        help="noise path shape for --seeds (default slerp, the arc that keeps z typical); "
        "style weights always move linearly",
    )
    parser.add_argument("--truncation", type=float, default=1.0, help="1 = none, 0 = mean")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("interp.gif"),
        help="the animation; its suffix picks the format: .gif, .webp, .mp4",
    )
    parser.add_argument(
        "--strip", action="store_true", help="also write all frames in one row, OUT-strip.png"
    )
    parser.add_argument("--fps", type=float, default=12.0, help="frames per second")
    parser.add_argument("--device", default="auto")
    add_json_flag(parser)
    parser.set_defaults(handler=run_interpolate)


def keypoint_styles(values: list[str] | None) -> list[str]:
    """`--styles` values -> one spec per keypoint: a value with `=` is one blend, a value of
    plain names is a list of them."""
    specs: list[str] = []
    for value in values or []:
        parts = value.split(",")
        with_weights = sum("=" in part for part in parts)
        if with_weights == 0:
            specs.extend(part.strip() for part in parts if part.strip())
        elif with_weights == len(parts):
            specs.append(value)
        else:
            raise ConfigError(
                f"--styles {value!r} mixes plain names and a blend; repeat --styles for each "
                "keypoint, e.g. --styles kai --styles hei=0.5,sosho=0.5"
            )
    return specs


def _seeds(args: argparse.Namespace) -> list[int]:
    if args.seeds is not None and args.seed is not None:
        raise ConfigError("give --seeds (several, for a noise path) or --seed (one), not both")
    if args.seeds is not None:
        return parse_seeds(args.seeds)
    if args.seed is not None and args.seed < 0:
        raise ConfigError(f"--seed {args.seed}: seeds are 0 or more")
    return [] if args.seed is None else [args.seed]


def _styles(args: argparse.Namespace) -> list[str]:
    if args.style is not None and args.styles is not None:
        raise ConfigError("give --style (one, for a noise path) or --styles (keypoints), not both")
    return [args.style] if args.style is not None else keypoint_styles(args.styles)


def run_interpolate(args: argparse.Namespace) -> int:
    check_format(args.out, args.fps)
    seeds, styles = _seeds(args), _styles(args)
    if args.mode is not None and (args.wheel or len(styles) > 1):
        raise ConfigError(
            "--mode shapes a --seeds path only; style weights always move linearly, drop --mode"
        )
    if args.wheel and (styles or len(seeds) != 1):
        raise ConfigError("--wheel visits every style on its own: give one --seed, no --style(s)")
    pipe = SynthesisPipeline.from_pretrained(args.model, device=args.device)
    if args.wheel:
        count = len(pipe.style_names)
        if args.frames is not None and (args.frames < count or args.frames % count):
            raise ConfigError(
                f"--frames {args.frames} with --wheel: use a multiple of the {count} styles, "
                f"e.g. --frames {count * max(1, round(args.frames / count))}"
            )
        steps = WHEEL_STEPS if args.frames is None else args.frames // count
        frames = style_wheel(pipe, seeds[0], steps, args.truncation)
        keypoints = [*pipe.style_names, pipe.style_names[0]]
    else:
        frames = interpolation_frames(
            pipe,
            seeds=seeds,
            styles=styles,
            frames=PATH_FRAMES if args.frames is None else args.frames,
            mode=args.mode or "slerp",
            truncation=args.truncation,
        )
        keypoints = seeds if len(seeds) > 1 else styles
    written = [str(save_animation(frames, args.out, args.fps))]
    if args.strip:
        strip = args.out.with_name(f"{args.out.stem}-strip.png")
        written.append(str(save_strip(frames, strip)))
    height, width = frames.shape[-2:]
    if args.json:
        result = {
            "files": written,
            "frames": len(frames),
            "size": [width, height],
            "keypoints": keypoints,
            "fps": args.fps,
        }
        print(json.dumps(result))
    else:
        print(f"wrote {', '.join(written)}: {len(frames)} frames of {width}x{height} px")
    return 0
