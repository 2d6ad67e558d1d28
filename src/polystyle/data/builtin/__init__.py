"""Built-in style datasets, built offline from Debian and npm packages.

`build_dataset(name, out, size, limit)` writes `out/<style>/*.png` plus styles.json (the
style descriptions), LICENSES.md and build.json; a second call with the same parameters
returns at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from polystyle.data.builtin.emoji import build_emoji
from polystyle.data.builtin.fonts_cjk import build_fonts_cjk
from polystyle.data.builtin.output import BuildRequest, existing_build
from polystyle.registry import DATASETS

DEFAULT_DATASET = "fonts-cjk"


@dataclass(frozen=True)
class BuiltinDataset:
    name: str
    summary: str
    needs: str
    default_size: int
    default_limit: int | None
    builder: Callable[[BuildRequest], Path]


DATASETS.register("fonts-cjk")(
    BuiltinDataset(
        "fonts-cjk",
        "Chinese characters in 8 font styles (kai, ming, hei, fangsong, round, brush-kaisho, "
        "brush-sosho, pixel); paired by character",
        "Debian font packages fonts-arphic-ukai fonts-arphic-uming fonts-wqy-zenhei fonts-cwtex-fs "
        "fonts-cwtex-yen fonts-kouzan-mouhitsu fonts-misaki",
        64,
        1000,
        build_fonts_cjk,
    )
)
DATASETS.register("emoji")(
    BuiltinDataset(
        "emoji",
        "emoji by 4 vendors (google, twitter, openmoji, openmoji-black); paired by code point",
        "npm (packages emoji-datasource-google, emoji-datasource-twitter, openmoji)",
        64,
        None,
        build_emoji,
    )
)


def get_dataset(name: str) -> BuiltinDataset:
    return DATASETS.get(name)


def build_dataset(
    name: str, out: Path, size: int | None = None, limit: int | None = None, force: bool = False
) -> tuple[Path, bool]:
    """Build `name` into `out`; returns the folder and False when it was already up to date."""
    dataset = get_dataset(name)
    request = BuildRequest(
        name=name,
        out=Path(out),
        size=size or dataset.default_size,
        limit=limit if limit is not None else dataset.default_limit,
        force=force,
    )
    if existing_build(request):
        return request.out, False
    return dataset.builder(request), True
