"""`emoji`: the same emoji drawn by four openly licensed vendor sets, from npm packages.

Styles: google (Noto Emoji via emoji-datasource-google, Apache-2.0), twitter (Twemoji via
emoji-datasource-twitter, CC-BY-4.0), openmoji and openmoji-black (OpenMoji colour and line
art, CC-BY-SA-4.0). Apple and Facebook sets are left out for their licences. The packages are
installed with npm (pinned versions) into polystyle's cache on first build. Files are named by
code point sequence (`u1f600.png`, FE0F selectors dropped) so every emoji pairs across styles.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import resvg_py
from PIL import Image

from polystyle.data.builtin.output import BuildRequest, write_build
from polystyle.errors import MissingDependencyError, PolystyleError
from polystyle.fileio import cache_root

NPM_PACKAGES = {
    "emoji-datasource-google": "16.0.0",
    "emoji-datasource-twitter": "16.0.0",
    "openmoji": "17.0.0",
}
# OpenMoji draws on a 72-unit grid inside a wide safe margin; this much of the grid is kept so
# its emoji fill the frame about as much as the Google and Twitter ones do.
OPENMOJI_VISIBLE = 56
ATTRIBUTION = """\
- **google**: Noto Emoji images by Google, from the npm package emoji-datasource-google \
{google}. Licence: Apache License 2.0.
- **twitter**: Twemoji graphics, Copyright Twitter, Inc and other contributors, from the npm \
package emoji-datasource-twitter {twitter}. Licence: CC-BY-4.0 \
(https://creativecommons.org/licenses/by/4.0/).
- **openmoji**, **openmoji-black**: "All emojis designed by OpenMoji – the open-source emoji \
and icon project", from the npm package openmoji {openmoji}. Licence: CC-BY-SA-4.0 \
(https://creativecommons.org/licenses/by-sa/4.0/). Derived images must be shared alike.

Images were composited on white and resized by polystyle.
"""
DESCRIPTIONS = {
    "google": "Google Noto emoji: soft gradients, rounded glossy shapes",
    "twitter": "Twitter Twemoji: flat vector colours, simple geometric shapes",
    "openmoji": "OpenMoji colour: flat pastel fills with bold black outlines",
    "openmoji-black": "OpenMoji black: black outline line art, no fill",
}


@dataclass(frozen=True)
class EmojiSource:
    """Where one style's image for each emoji key lives, and how to draw it at a size."""

    style: str
    files: dict[str, Path]
    kind: str  # "png" or "svg"


def normalise_key(hexcode: str) -> str:
    return "-".join(p for p in hexcode.lower().split("-") if p != "fe0f")


def ensure_npm_packages(cache: Path | None = None) -> Path:
    """The node_modules folder holding the pinned packages, installing them when needed."""
    prefix = cache or cache_root() / "npm" / "emoji"
    modules = prefix / "node_modules"
    if all(_installed_version(modules, n) == v for n, v in NPM_PACKAGES.items()):
        return modules
    npm = shutil.which("npm")
    if npm is None:
        raise MissingDependencyError(
            "the emoji dataset is installed from the npm registry, but npm is not on PATH; "
            "install Node.js and npm (`apt-get install -y npm` as root)"
        )
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "package.json").write_text(
        json.dumps(
            {"name": "polystyle-emoji-sources", "private": True, "dependencies": NPM_PACKAGES},
            indent=2,
        )
    )
    result = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=prefix,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise PolystyleError(
            f"npm install in {prefix} failed (exit {result.returncode}): "
            f"{result.stderr.strip()[-400:]}; check that the npm registry is reachable"
        )
    return modules


def _installed_version(modules: Path, name: str) -> str | None:
    manifest = modules / name / "package.json"
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text(encoding="utf-8")).get("version")


def emoji_sources(modules: Path) -> tuple[list[str], list[EmojiSource]]:
    """Emoji keys (in the vendors' sort order) that all four styles draw, and each source."""
    catalogue = json.loads((modules / "emoji-datasource-google/emoji.json").read_text("utf-8"))
    catalogue.sort(key=lambda e: e["sort_order"])
    png_dirs = {
        "google": modules / "emoji-datasource-google/img/google/64",
        "twitter": modules / "emoji-datasource-twitter/img/twitter/64",
    }
    sources = [
        EmojiSource(style, {normalise_key(p.stem): p for p in folder.glob("*.png")}, "png")
        for style, folder in png_dirs.items()
    ]
    for style, sub in (("openmoji", "color"), ("openmoji-black", "black")):
        folder = modules / "openmoji" / sub / "svg"
        sources.append(
            EmojiSource(style, {normalise_key(p.stem): p for p in folder.glob("*.svg")}, "svg")
        )
    keys = []
    for entry in catalogue:
        key = normalise_key(entry["unified"])
        if all(key in source.files for source in sources) and key not in keys:
            keys.append(key)
    return keys, sources


def render_source(source: EmojiSource, keys: list[str], size: int) -> list[bytes]:
    draw: Callable[[Path, int], Image.Image] = _draw_svg if source.kind == "svg" else _draw_png
    out = []
    for key in keys:
        image = draw(source.files[key], size)
        canvas = Image.new("RGBA", image.size, (255, 255, 255, 255))
        flat = Image.alpha_composite(canvas, image.convert("RGBA")).convert("RGB")
        buffer = io.BytesIO()
        flat.save(buffer, format="PNG")
        out.append(buffer.getvalue())
    return out


def _draw_png(path: Path, size: int) -> Image.Image:
    image = Image.open(path).convert("RGBA")
    if image.size != (size, size):
        image = image.resize((size, size), Image.Resampling.LANCZOS)
    return image


def _draw_svg(path: Path, size: int) -> Image.Image:
    full = round(size * 72 / OPENMOJI_VISIBLE)
    png = resvg_py.svg_to_bytes(svg_path=str(path), width=full, height=full)
    image = Image.open(io.BytesIO(bytes(png))).convert("RGBA")
    offset = (full - size) // 2
    return image.crop((offset, offset, offset + size, offset + size))


def build_emoji(request: BuildRequest, modules: Path | None = None) -> Path:
    modules = modules or ensure_npm_packages()
    keys, sources = emoji_sources(modules)
    if request.limit is not None:
        keys = keys[: request.limit]
    with ProcessPoolExecutor(max_workers=min(len(sources), os.cpu_count() or 1)) as pool:
        futures = [pool.submit(render_source, s, keys, request.size) for s in sources]
        rendered = {s.style: f.result() for s, f in zip(sources, futures, strict=True)}
    files = {
        f"{style}/u{key}.png": data
        for style, images in rendered.items()
        for key, data in zip(keys, images, strict=True)
    }
    versions = {
        "google": NPM_PACKAGES["emoji-datasource-google"],
        "twitter": NPM_PACKAGES["emoji-datasource-twitter"],
        "openmoji": NPM_PACKAGES["openmoji"],
    }
    licenses = "# emoji: sources and licences\n\n" + ATTRIBUTION.format(**versions)
    return write_build(
        request,
        files=files,
        descriptions=DESCRIPTIONS,
        licenses=licenses,
        info={"emoji": len(keys), "npm_packages": NPM_PACKAGES},
    )
