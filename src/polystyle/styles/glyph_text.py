"""Text -> glyph tiles in a source font, the input of `polystyle transfer --text`.

A glyph model translates one character image at a time; any character the source font can
draw works, including characters the model never saw. The source font is a font file the
user names, or the Debian font behind one of the built-in fonts-cjk styles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from polystyle.data.builtin.fonts_cjk import FONT_STYLES, find_font, font_cmap
from polystyle.data.builtin.glyphs import GlyphRenderer
from polystyle.errors import ConfigError

MAX_TEXT_CHARS = 64
DEFAULT_SOURCE_STYLE = "hei"
# Styles whose built-in font can draw source text: the fonts-cjk styles.
SOURCE_STYLES = tuple(style.name for style in FONT_STYLES)


@dataclass(frozen=True)
class GlyphFont:
    path: Path
    index: int = 0

    def render_line(self, text: str, size: int) -> list[torch.Tensor]:
        """One uint8 `1 x size x size` tile per character; whitespace gives a blank tile."""
        text = text.strip()
        if not text or len(text) > MAX_TEXT_CHARS or "\n" in text:
            raise ConfigError(
                f"--text: give one line of 1 to {MAX_TEXT_CHARS} characters (got {len(text)})"
            )
        missing = self.missing(text)
        if missing:
            raise ConfigError(
                f"--text: the source font {self.path.name} has no glyph for "
                f"{missing!r}; pass --font with a font that has them"
            )
        renderer = GlyphRenderer(str(self.path), self.index, size)
        blank = torch.full((1, size, size), 255, dtype=torch.uint8)
        tiles = []
        for ch in text:
            image = None if ch.isspace() else renderer.render(ch)
            tiles.append(blank if image is None else torch.from_numpy(np.array(image))[None])
        return tiles

    def missing(self, text: str) -> str:
        """The characters of `text` this font cannot draw (sorted, once each), so a caller
        can name them before anything is rendered."""
        cmap = font_cmap(self.path, self.index)
        return "".join(sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap}))


def default_source_style(style_names: list[str], trained_from: str | None = None) -> str | None:
    """The built-in font a model's text is drawn in: the style it was trained from
    (`loss.paired_source`), else hei when the model has that style, else its first built-in
    font style; None when no style of the model is a built-in font (text then needs a font
    file)."""
    known = [name for name in style_names if name in SOURCE_STYLES]
    for preferred in (trained_from, DEFAULT_SOURCE_STYLE):
        if preferred in known:
            return preferred
    return known[0] if known else None


def glyph_font_for(
    font: str | Path | None, source_style: str | None, style_names: list[str]
) -> GlyphFont:
    """The font to draw source characters with: `font` if given, else the built-in font of
    `source_style` (default hei, else the model's first built-in font style)."""
    if font is not None:
        path = Path(font)
        if not path.is_file():
            raise ConfigError(f"--font {font}: no such file; pass a .ttf, .otf or .ttc file")
        return GlyphFont(path)
    by_name = {style.name: style for style in FONT_STYLES}
    source_style = source_style or default_source_style(style_names)
    if source_style is None or source_style not in by_name:
        raise ConfigError(
            "--text needs a font to draw the source characters: this model's styles are not "
            f"built-in fonts ({', '.join(by_name)}); pass --font FILE.ttf"
        )
    style = by_name[source_style]
    path = find_font(style.filename)
    if path is None:
        raise ConfigError(
            f"--text: the {source_style} font ({style.filename}) is not installed; "
            f"`apt-get install -y {style.package}`, or pass --font FILE.ttf"
        )
    return GlyphFont(path, style.index)


def character_of(reference: object) -> str:
    """The character a reference glyph file draws, read from its name: `永.png`, or
    `u6c38.png` as the built-in fonts-cjk names its files. Fitting a style to references needs
    each one's source glyph, and the name is where a user can say which character it is."""
    stem = Path(reference).stem if isinstance(reference, (str, Path)) else ""
    if len(stem) == 1:
        return stem
    if re.fullmatch(r"u[0-9a-fA-F]{4,6}", stem) and int(stem[1:], 16) <= 0x10FFFF:
        return chr(int(stem[1:], 16))
    label = reference if isinstance(reference, (str, Path)) else "an image given in memory"
    raise ConfigError(
        f"--fit: cannot tell which character {label} draws; name each reference glyph file "
        "after its character, e.g. 永.png or u6c38.png"
    )


def compose_line(tiles: list[torch.Tensor]) -> torch.Tensor:
    """Tiles side by side (C x H x W each, same height) -> one C x H x sum(W) image."""
    return torch.cat(tiles, dim=-1)
