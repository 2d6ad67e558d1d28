"""Regenerate src/polystyle/data/builtin/fonts_cjk_chars.txt (maintainers only).

The list is every CJK Unified Ideograph (U+4E00..U+9FFF) that all 8 fonts of fonts-cjk map
in their character map *and* draw with ink at 64 px, ordered from common to rare by the
character frequencies of jieba's dictionary, a traditional character also counting the
frequency of its simplified form (OpenCC t2s), ties by code point.

Needs, besides polystyle: pip install jieba opencc-python-reimplemented
Run: python scripts/make_cjk_charlist.py
"""

from __future__ import annotations

import os
from pathlib import Path

import jieba
from opencc import OpenCC

from polystyle.data.builtin.fonts_cjk import (
    CHARLIST,
    FONT_STYLES,
    font_cmap,
    locate_fonts,
    render_font,
)

OUT = Path(__file__).resolve().parents[1] / "src/polystyle/data/builtin" / CHARLIST


def jieba_char_frequencies() -> dict[str, int]:
    freq: dict[str, int] = {}
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as fh:
        for line in fh:
            word, count, *_ = line.split()
            for ch in word:
                freq[ch] = freq.get(ch, 0) + int(count)
    return freq


def main() -> None:
    fonts = locate_fonts()
    common = None
    for style in FONT_STYLES:
        cmap = {c for c in font_cmap(fonts[style.name], style.index) if 0x4E00 <= c <= 0x9FFF}
        common = cmap if common is None else common & cmap
    chars = [chr(c) for c in sorted(common or ())]
    for style in FONT_STYLES:
        rendered = render_font(fonts[style.name], style.index, chars, 64)
        chars = [ch for ch, png in zip(chars, rendered, strict=True) if png is not None]
    freq = jieba_char_frequencies()
    t2s = OpenCC("t2s")

    def score(ch: str) -> int:
        simplified = t2s.convert(ch)
        return freq.get(ch, 0) + (freq.get(simplified, 0) if simplified != ch else 0)

    chars.sort(key=lambda ch: (-score(ch), ord(ch)))
    header = (__doc__ or "").strip().splitlines()[2:6]
    OUT.write_text(
        "".join(f"# {line}\n" for line in header) + "".join(f"{ch}\n" for ch in chars),
        encoding="utf-8",
    )
    print(f"wrote {len(chars)} characters to {OUT}")


if __name__ == "__main__":
    main()
