"""Render one character of one font as a centred, black-on-white square glyph image.

A font's sizing is calibrated once (so the font's large characters fill the box with the
margin), then every glyph keeps that scale and is centred on its ink: relative sizes survive
(一 stays a thin bar), no glyph overflows. Glyphs are drawn at `SUPERSAMPLE`x and box-filtered
down, which anti-aliases evenly across fonts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

SUPERSAMPLE = 4
MARGIN = 0.08
CALIBRATION_CHARS = "永國書龍鬱體風東"
MIN_INK_PIXELS = 8


@dataclass
class GlyphRenderer:
    font_path: str
    font_index: int
    size: int

    def __post_init__(self) -> None:
        self.canvas = self.size * SUPERSAMPLE
        self.inner = self.canvas * (1 - 2 * MARGIN)
        probe = ImageFont.truetype(self.font_path, 200, index=self.font_index)
        extents = []
        for ch in CALIBRATION_CHARS:
            left, top, right, bottom = probe.getbbox(ch)
            extents.append(max(right - left, bottom - top))
        px = max(8, int(200 * self.inner / max(max(extents), 1)))
        self.font = ImageFont.truetype(self.font_path, px, index=self.font_index)

    def render(self, ch: str) -> Image.Image | None:
        """The glyph as an "L" image of `size`, or None when the font draws it blank."""
        left, top, right, bottom = self.font.getbbox(ch)
        width, height = right - left, bottom - top
        if width <= 0 or height <= 0:
            return None
        ink = Image.new("L", (width, height), 0)
        ImageDraw.Draw(ink).text((-left, -top), ch, font=self.font, fill=255)
        if int((np.asarray(ink) > 127).sum()) < MIN_INK_PIXELS:
            return None
        bbox = ink.getbbox()
        if bbox is not None:
            ink = ink.crop(bbox)
        scale = min(1.0, self.inner / ink.width, self.inner / ink.height)
        if scale < 1.0:
            ink = ink.resize(
                (max(1, round(ink.width * scale)), max(1, round(ink.height * scale))),
                Image.Resampling.LANCZOS,
            )
        canvas = Image.new("L", (self.canvas, self.canvas), 0)
        canvas.paste(ink, ((self.canvas - ink.width) // 2, (self.canvas - ink.height) // 2))
        small = canvas.resize((self.size, self.size), Image.Resampling.BOX)
        return Image.eval(small, lambda v: 255 - v)
