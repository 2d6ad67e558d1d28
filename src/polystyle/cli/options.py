"""Flags shared by several verbs, and their translation into config sections."""

from __future__ import annotations

import argparse

from polystyle.config import DataConfig
from polystyle.config.schema import DEFAULT_MAX_PIXELS


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


def add_data_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("data")
    group.add_argument("--size", type=int, default=64, help="square image size, 16..1024")
    group.add_argument(
        "--channels",
        choices=["auto", "1", "3"],
        default="auto",
        help="1 = greyscale, 3 = RGB, auto = 1 when every image is grey",
    )
    group.add_argument(
        "--fit",
        choices=["pad", "crop"],
        default="pad",
        help="pad: keep aspect, pad with white; crop: centre crop",
    )
    group.add_argument(
        "--min-per-style", type=int, default=1, help="skip style folders with fewer usable images"
    )
    group.add_argument(
        "--max-pixels",
        type=int,
        default=DEFAULT_MAX_PIXELS,
        help="skip source images larger than this many pixels (bomb guard)",
    )
    group.add_argument(
        "--cache",
        choices=["auto", "memory", "lazy"],
        default="auto",
        help="memory: decode once into RAM; lazy: decode on access",
    )
    group.add_argument("--rebuild", action="store_true", help="ignore the processed cache")


def data_config(args: argparse.Namespace) -> DataConfig:
    return DataConfig(
        size=args.size,
        channels=None if args.channels == "auto" else int(args.channels),
        fit=args.fit,
        min_per_style=args.min_per_style,
        max_pixels=args.max_pixels,
        cache=args.cache,
    )
