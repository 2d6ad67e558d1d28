"""`fonts-cjk`: Chinese characters drawn in 8 font styles from Debian font packages.

Every style draws the same characters and names them `u<codepoint>.png`, so the dataset is
fully paired. The character list (fonts_cjk_chars.txt, made by scripts/make_cjk_charlist.py)
is fixed and ordered by frequency; at build time each character is checked again in every
font (character map and real ink) and dropped from all styles if any font fails it.
"""

from __future__ import annotations

import io
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont

from polystyle.data.builtin.glyphs import GlyphRenderer
from polystyle.data.builtin.output import BuildRequest, debian_copyright, write_build
from polystyle.errors import MissingDependencyError

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
CHARLIST = "fonts_cjk_chars.txt"


@dataclass(frozen=True)
class FontStyle:
    name: str
    package: str
    filename: str
    index: int
    description: str


FONT_STYLES: tuple[FontStyle, ...] = (
    FontStyle(
        "kai",
        "fonts-arphic-ukai",
        "ukai.ttc",
        0,
        "kaishu regular script: calligraphic brush strokes with tapered ends",
    ),
    FontStyle(
        "ming",
        "fonts-arphic-uming",
        "uming.ttc",
        0,
        "mingti print serif: thin horizontals, thick verticals, triangular serifs",
    ),
    FontStyle(
        "hei",
        "fonts-wqy-zenhei",
        "wqy-zenhei.ttc",
        0,
        "heiti sans-serif: even-width strokes, square and bold",
    ),
    FontStyle(
        "fangsong",
        "fonts-cwtex-fs",
        "cwfs.ttf",
        0,
        "fangsong imitation-Song: slender, slightly slanted strokes",
    ),
    FontStyle(
        "round",
        "fonts-cwtex-yen",
        "cwyen.ttf",
        0,
        "yuanti rounded: even strokes with rounded ends and corners",
    ),
    FontStyle(
        "brush-kaisho",
        "fonts-kouzan-mouhitsu",
        "kouzan-mouhitsu.ttf",
        0,
        "Japanese brush calligraphy, regular script (kaisho): heavy wet ink strokes",
    ),
    FontStyle(
        "brush-sosho",
        "fonts-kouzan-mouhitsu",
        "KouzanBrushFontSousyo.ttf",
        0,
        "cursive grass-script brush calligraphy (Japanese sosho): "
        "flowing, joined, abbreviated strokes",
    ),
    FontStyle(
        "pixel",
        "fonts-misaki",
        "misaki_gothic.ttf",
        0,
        "8x8 pixel bitmap font: blocky square pixels",
    ),
)


def find_font(filename: str) -> Path | None:
    for base in FONT_DIRS:
        root = Path(base).expanduser()
        if not root.is_dir():
            continue
        for dirpath, _, files in os.walk(root):
            if filename in files:
                return Path(dirpath) / filename
    return None


def locate_fonts() -> dict[str, Path]:
    """Font file per style; a missing font names the Debian package(s) to install."""
    found = {style.name: find_font(style.filename) for style in FONT_STYLES}
    missing = sorted({s.package for s in FONT_STYLES if found[s.name] is None})
    if missing:
        packages = " ".join(missing)
        raise MissingDependencyError(
            f"fonts-cjk needs the Debian font package(s) {packages}; install them with "
            f"`apt-get install -y {packages}` as root (or `sudo apt-get install -y {packages}`), "
            "or run `make demo`, which installs them"
        )
    return {name: path for name, path in found.items() if path is not None}


def load_charlist() -> list[str]:
    text = resources.files("polystyle.data.builtin").joinpath(CHARLIST).read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def font_cmap(path: Path, index: int) -> set[int]:
    font = TTCollection(str(path)).fonts[index] if path.suffix == ".ttc" else TTFont(str(path))
    return set(font.getBestCmap())


def render_font(path: Path, index: int, chars: list[str], size: int) -> list[bytes | None]:
    """PNG bytes per character, None where the font lacks it or draws it blank."""
    cmap = font_cmap(path, index)
    renderer = GlyphRenderer(str(path), index, size)
    out: list[bytes | None] = []
    for ch in chars:
        glyph = renderer.render(ch) if ord(ch) in cmap else None
        if glyph is None:
            out.append(None)
            continue
        buffer = io.BytesIO()
        glyph.save(buffer, format="PNG", compress_level=6)
        out.append(buffer.getvalue())
    return out


def build_fonts_cjk(request: BuildRequest) -> Path:
    fonts = locate_fonts()
    charlist = load_charlist()
    wanted = len(charlist) if request.limit is None else min(request.limit, len(charlist))
    # A little slack: a character some font draws blank here is replaced by the next one.
    candidates = charlist[: min(len(charlist), wanted + wanted // 20 + 16)]
    with ProcessPoolExecutor(max_workers=min(len(FONT_STYLES), os.cpu_count() or 1)) as pool:
        futures = {
            s.name: pool.submit(render_font, fonts[s.name], s.index, candidates, request.size)
            for s in FONT_STYLES
        }
        rendered = {name: future.result() for name, future in futures.items()}
    usable = [i for i in range(len(candidates)) if all(rendered[s][i] for s in rendered)]
    chosen = usable[:wanted]
    dropped = [candidates[i] for i in range(len(candidates)) if i not in set(usable)]
    files = {
        f"{s.name}/u{ord(candidates[i]):04x}.png": rendered[s.name][i]
        for s in FONT_STYLES
        for i in chosen
    }
    sources = "\n".join(
        f"- **{s.name}**: `{fonts[s.name].name}` from the Debian package `{s.package}`"
        for s in FONT_STYLES
    )
    notices = "\n\n".join(
        f"## {package}\n\n```\n{debian_copyright(package)}\n```"
        for package in sorted({s.package for s in FONT_STYLES})
    )
    licenses = (
        "# fonts-cjk: sources and licences\n\n"
        "Each image is a character rendered by polystyle from a font file. The fonts' "
        "licences follow (from /usr/share/doc/<package>/copyright).\n\n"
        f"{sources}\n\n{notices}\n"
    )
    return write_build(
        request,
        files=files,
        descriptions={s.name: s.description for s in FONT_STYLES},
        licenses=licenses,
        info={
            "characters": "".join(candidates[i] for i in chosen),
            "dropped_blank_or_missing": "".join(dropped),
        },
    )
