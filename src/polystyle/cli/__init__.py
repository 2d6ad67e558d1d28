"""The `polystyle` command: one module per verb, user mistakes as one-line errors."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from polystyle import __version__
from polystyle.cli import (
    datasets,
    evaluate,
    explain,
    generate,
    interpolate,
    serve,
    train,
    transfer,
)
from polystyle.devices import reuse_freed_memory
from polystyle.errors import PolystyleError

VERBS = (datasets, train, generate, transfer, evaluate, explain, interpolate, serve)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="polystyle",
        description="Style-diverse image generation with GANs.",
    )
    parser.add_argument("--version", action="version", version=f"polystyle {__version__}")
    subparsers = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for verb in VERBS:
        verb.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    reuse_freed_memory()
    try:
        return int(args.handler(args) or 0)
    except PolystyleError as exc:
        print(f"polystyle: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("polystyle: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
