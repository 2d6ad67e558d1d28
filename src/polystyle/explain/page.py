"""How the explanations are shown: `index.html`, `explain.json`, and the drawing every PNG shares.

The page is plain HTML with relative image paths so the folder can be zipped, mailed or served
from anywhere; every number on it is also in `explain.json` under stable keys, because a page
is for reading and the JSON is for comparing models. The frame-sheet and colour helpers live
here so that the four analyses draw frames, captions and style colours the same way.
"""

from __future__ import annotations

import colorsys
import html
import io
from pathlib import Path
from typing import Any

import torch
from PIL import Image, ImageDraw, ImageFont

from polystyle.fileio import atomic_write_bytes, atomic_write_json
from polystyle.sampling.images import to_pil

# matplotlib's tab10: distinct for the first ten styles, familiar from other plots.
_TAB10 = (
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
)
FRAME_MIN_SIZE = 64  # frames smaller than this are enlarged so captions fit under them
FONT_SIZE = 11
LINE_HEIGHT = 14


def font(size: int = FONT_SIZE) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font: no system font lookup, so every machine draws the same text. It
    has no Greek or arrows, so text drawn into PNGs stays ASCII (the HTML page has them)."""
    return ImageFont.load_default(size=size)


def style_colour(index: int) -> tuple[int, int, int]:
    """tab10 first, then golden-angle hues, so any number of styles stays distinguishable."""
    if index < len(_TAB10):
        return _TAB10[index]
    hue = (index * 0.618033988749895) % 1.0
    r, g, b = colorsys.hsv_to_rgb(hue, 0.75, 0.85)
    return round(r * 255), round(g * 255), round(b * 255)


def frame_image(image: torch.Tensor, size: int) -> Image.Image:
    """One uint8 `C x H x W` image as an RGB `size` px square: nearest-neighbour when enlarging
    so the model's pixels stay visible, Lanczos when shrinking."""
    picture = to_pil(image).convert("RGB")
    if picture.width == size:
        return picture
    resample = Image.Resampling.NEAREST if picture.width < size else Image.Resampling.LANCZOS
    return picture.resize((size, size), resample)


def frame_sheet(
    frames: torch.Tensor,
    captions: list[list[list[str]]],
    row_labels: list[str] | None = None,
    title: str | None = None,
) -> Image.Image:
    """Rows of frames (`R x N x C x H x W` uint8) with caption lines under each frame and an
    optional label left of each row."""
    rows, columns, _, height, _ = frames.shape
    size = height * max(1, -(-FRAME_MIN_SIZE // height))
    lines = max((len(c) for row in captions for c in row), default=0)
    cell_w, cell_h = size + 8, size + 6 + lines * LINE_HEIGHT
    face = font()
    label_w = 0
    if row_labels:
        label_w = 12 + max(int(face.getlength(label)) for label in row_labels)
    top = 6 + (LINE_HEIGHT + 6 if title else 0)
    sheet = Image.new("RGB", (label_w + columns * cell_w + 4, top + rows * cell_h), "white")
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((6, 6), title, fill="black", font=face)
    for r in range(rows):
        y = top + r * cell_h
        if row_labels:
            draw.text((6, y + size // 2 - LINE_HEIGHT // 2), row_labels[r], fill="black", font=face)
        for c in range(columns):
            x = label_w + 4 + c * cell_w
            sheet.paste(frame_image(frames[r, c], size), (x, y))
            for i, line in enumerate(captions[r][c]):
                draw.text((x, y + size + 3 + i * LINE_HEIGHT), line, fill="black", font=face)
    return sheet


def save_png(image: Image.Image, path: Path) -> None:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    atomic_write_bytes(path, buffer.getvalue())


def write_page(report: dict[str, Any], out_dir: Path) -> Path:
    """`explain.json` (the report as is) and `index.html` next to the PNGs; returns the page."""
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out_dir / "explain.json", report)
    body = "\n".join(
        [
            _intro(report),
            _style_map_section(report["style_map"]),
            _strength_section(report["strength"]),
            _layers_section(report["layers"]),
            _directions_section(report["directions"]),
        ]
    )
    page = out_dir / "index.html"
    atomic_write_bytes(page, _document(body).encode("utf-8"))
    return page


def _e(value: object) -> str:
    return html.escape(str(value))


def _number(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _image(path: str | None, alt: str) -> str:
    return "" if path is None else f'<p><img src="{_e(path)}" alt="{_e(alt)}"></p>'


def _skipped(section: dict[str, Any]) -> str:
    return f'<p class="skipped">Skipped: {_e(section["skipped"])}</p>'


def _document(body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>polystyle explain</title>
<style>
body {{ font-family: sans-serif; max-width: 70em; margin: 1em auto; padding: 0 1em; }}
table {{ border-collapse: collapse; margin: 0.5em 0; }}
td, th {{ border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }}
th {{ background: #f2f2f2; }}
img {{ max-width: 100%; image-rendering: pixelated; }}
.skipped {{ color: #a33; }}
.finding {{ font-weight: bold; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""


def _intro(report: dict[str, Any]) -> str:
    model, judge = report["model"], report["judge"]
    accuracy = [[name, _number(v)] for name, v in judge["real_test_accuracy"].items()]
    return (
        "<h1>What this model does with style</h1>"
        f"<p>A {_e(model['architecture'])} model"
        + (f" from the run {_e(model['run'])}" if model["run"] else "")
        + f", {model['size']} px, "
        f"{len(model['styles'])} styles, explained against the dataset {_e(report['data'])} "
        f"(seed {report['seed']}, truncation {report['settings']['truncation']}). "
        "Several sections use a <em>judge</em>: a small classifier trained on the real "
        "training images to tell the styles apart. Its probabilities are only as good as "
        "its accuracy on real test images, shown here; a judge near chance makes every "
        "probability below a weak signal.</p>"
        + _table(["style", "judge accuracy on real test images"], accuracy)
    )


def _style_map_section(section: dict[str, Any]) -> str:
    explained = section["explained"]
    rows = [
        [name, _number(v["mean"][0]), _number(v["mean"][1])]
        for name, v in section["styles"].items()
    ]
    return (
        "<h2>Style-space map</h2>"
        "<p>Every style control ends in a style code. Here codes of many noise seeds are "
        "projected onto their two directions of largest variance (PCA): small dots are "
        "single codes, each picture is drawn from its style's mean code and sits at that "
        f"mean. The two axes hold {explained[0]:.1%} and {explained[1]:.1%} of the code "
        "variance, so the map shows that much of how codes differ and hides the rest. "
        f"Differences between style means account for {section['between_style_share']:.1%} "
        "of the variance in the full code space; the remainder is variation within "
        "styles.</p>"
        + _image(section["image"], "style-space map")
        + _table(["style", "PC1 of mean", "PC2 of mean"], rows)
    )


def _strength_section(section: dict[str, Any]) -> str:
    heading = "<h2>Strength sweep</h2>"
    if section["skipped"]:
        return heading + _skipped(section)
    a, b = section["style_a"], section["style_b"]
    crossover = section["crossover"]
    finding = (
        f"The judge first rates {b} at least as likely as {a} at t = {crossover}."
        if crossover is not None
        else f"The judge never rates {b} at least as likely as {a} along this sweep."
    )
    rows = [
        [f"{t:.1f}", _number(pa), _number(pb)]
        for t, pa, pb in zip(section["t"], section["p_a"], section["p_b"], strict=True)
    ]
    return (
        heading + f"<p>One noise seed ({section['seed']}) drawn with style weights "
        f"(1 − t)·{_e(a)} + t·{_e(b)} for t from 0 to 1 in steps of 0.1. Under each frame "
        f"are the judge's probabilities for A = {_e(a)} and B = {_e(b)}: a sweep the judge "
        "follows smoothly means blends move the image between the styles gradually.</p>"
        f'<p class="finding">{_e(finding)}</p>'
        + _image(section["image"], "strength sweep")
        + _table(["t", f"p({a})", f"p({b})"], rows)
    )


def _layers_section(section: dict[str, Any]) -> str:
    heading = "<h2>Which layers carry style</h2>"
    if section["skipped"]:
        return heading + _skipped(section)
    pairs = ", ".join(f"{a}→{b}" for a, b in section["pairs"])
    rows = [
        [
            g["label"],
            ", ".join(str(i) for i in g["layers"]),
            f"{g['delta_p']:+.3f} ± {g['delta_p_sem']:.3f}",
            f"{g['feature_distance']:.4f} ± {g['feature_distance_sem']:.4f}",
        ]
        for g in [*section["groups"], section["all_layers"]]
    ]
    return (
        heading + "<p>The generator's per-layer style codes are grouped by the resolution "
        "they act on. For each group, the codes of style A are replaced by those of style B "
        f"in that group only, for {section['seeds']} seeds and the style pairs {_e(pairs)}. "
        "Δp is how much the judge's probability of B rises over the unswapped A image; the "
        "feature distance is the MobileNetV2 feature distance (LPIPS-style, uncalibrated, "
        "not LPIPS) between the swapped and unswapped image. Values are means ± standard "
        "error; the last row swaps every layer, for scale.</p>"
        f'<p class="finding">{_e(section["sentence"])}</p>'
        + _image(section["images"]["judge"], "judge change per layer group")
        + _image(section["images"]["features"], "feature distance per layer group")
        + _table(["layers", "indices", "Δp(B)", "feature distance"], rows)
    )


def _directions_section(section: dict[str, Any]) -> str:
    style = section["style"]
    rows = [
        [
            f"PC{d['index'] + 1}",
            f"{d['explained']:.1%}",
            _number(d["stddev"]),
            " / ".join(_number(p, 2) for p in d["p_style"]),
        ]
        for d in section["directions"]
    ]
    sigmas = ", ".join(f"{s:+g}" for s in section["sigmas"])
    return (
        "<h2>Interpretable directions</h2>"
        "<p>The principal axes of the style-code space (GANSpace): each row moves one code "
        f"of style {_e(style)} (seed {section['seed']}) along one axis by {_e(sigmas)} "
        "standard deviations. The share is how much of the code variance that axis holds. "
        "Where the judge's probability of the style changes along a row, the axis changes "
        "what the judge recognises the style by; where it stays put, the axis varies "
        "something the judge ignores. The same moves are available as sliders: "
        "<code>pipe(style, seeds, directions={index: sigmas})</code> or "
        "<code>polystyle generate --direction index=sigmas</code>.</p>"
        + _image(section["image"], "latent directions")
        + _table(["axis", "variance share", "stddev", f"p({style}) per frame"], rows)
    )
