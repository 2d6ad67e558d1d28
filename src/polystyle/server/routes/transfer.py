"""`/v1/transfer`: an uploaded image, or a line of text, restyled by a translation model.

A multipart form, because the content is a file: uploads are read whole while the request is
answered (the body limit bounds them) and decoded by content under the pixel limit, like
generate's reference images. Every control is checked before the render, so a mistake is a
400 naming its field; the render is `TranslationPipeline`'s, under the same gate as generate,
and the answer is formatted as generate's (`answers.py`).
"""

from __future__ import annotations

from typing import Annotated, Any

import torch
from fastapi import APIRouter, Form, Request, Response

from polystyle.errors import ConfigError
from polystyle.pipelines import TranslationOutput, TranslationPipeline
from polystyle.pipelines.translation import MAX_SIDE, SizePolicy, parse_size
from polystyle.server.answers import image_answer, prompt_fields
from polystyle.server.controls import check_prompt, check_style, seed_list, target_fix, the_one
from polystyle.server.problems import ApiError, blame
from polystyle.server.schemas import TransferForm
from polystyle.server.state import ServerState, server, translation_pipeline
from polystyle.server.uploads import decode_upload
from polystyle.styles.glyph_text import MAX_TEXT_CHARS, SOURCE_STYLES, GlyphFont
from polystyle.styles.prompt import PromptMatch

router = APIRouter(prefix="/v1", tags=["images"])
_CONTENT_FIX = "send one image file as `image`, or one line of `text` (glyph models)"


def _target(
    state: ServerState,
    pipe: TranslationPipeline,
    form: TransferForm,
    references: list[bytes],
    names: list[str],
) -> tuple[dict[str, Any], PromptMatch | None]:
    """The pipeline's target arguments from the one target the form names (a prompt is
    matched here, so its weights and similarities can be answered). With `fit`, the
    reference files' `names` say which character each draws."""
    if form.fit and not references:
        fix = "send reference glyph files named after their characters, e.g. 永.png"
        raise ApiError(400, "fit needs reference images", fix, "fit")
    given = {
        "style": form.style,
        "weights": form.weights,
        "prompt": form.prompt,
        "reference": references or None,
    }
    the_one(given, "target style", target_fix(pipe.style_names), "style")
    if form.style is not None:
        check_style(pipe.style_names, form.style, "style")
        return {"to": form.style}, None
    if form.weights is not None:
        check_style(pipe.style_names, form.weights, "weights")
        return {"weights": form.weights}, None
    if form.prompt is not None:
        match = check_prompt(pipe, form.prompt, form.temperature)
        return {"weights": match.weights}, match
    limit = state.settings.max_images
    if len(references) > limit:
        raise ApiError(
            400, f"reference: {len(references)} images", f"send at most {limit}", "reference"
        )
    pixels = state.settings.max_pixels
    target: dict[str, Any] = {
        "reference": [decode_upload(data, "reference", pixels) for data in references]
    }
    if form.fit:
        source = _source_style(pipe, form.source_style)
        _installed_font(pipe, source)  # a missing font is the operator's to fix, not the file's
        fix = "name each reference glyph file after its character, e.g. 永.png or u6c38.png"
        with blame("reference", fix):
            target["reference_sources"] = pipe.glyph_sources(names, None, source)
    return target, None


def _source_style(pipe: TranslationPipeline, requested: str | None) -> str:
    """The built-in font style the text is drawn in before it is translated."""
    fonts = ", ".join(SOURCE_STYLES)
    if requested is not None and requested not in SOURCE_STYLES:
        raise ApiError(
            400,
            f"source_style {requested!r} is not a built-in font style",
            f"use one of: {fonts}",
            "source_style",
        )
    source = requested or pipe.text_source
    if source is None:
        raise ApiError(
            400,
            f"text: this model's styles ({', '.join(pipe.style_names)}) are not built-in fonts, "
            "so there is no font to draw the text in",
            f"send an image instead, or name a source_style ({fonts}) to draw the text in",
            "text",
        )
    return source


def _installed_font(pipe: TranslationPipeline, source: str) -> GlyphFont:
    """The built-in font of `source`; a 400 on `source_style` when it is not installed."""
    with blame("source_style", "ask the server's operator to install the font package named"):
        return pipe.glyph_font(None, source)


def _render_text(
    pipe: TranslationPipeline, form: TransferForm, **options: Any
) -> TranslationOutput:
    text = str(form.text)
    source = _source_style(pipe, form.source_style)
    font = _installed_font(pipe, source)
    missing = font.missing(text)
    if missing:
        raise ApiError(
            400,
            f"text: the {source} font ({font.path.name}) has no glyph for {missing!r}",
            f"leave those characters out, or draw the text in another source_style "
            f"({', '.join(SOURCE_STYLES)})",
            "text",
        )
    with blame("text", f"send one line of 1 to {MAX_TEXT_CHARS} characters"):
        return pipe.render_text(text, source_style=source, **options)


def _size(text: str) -> SizePolicy:
    try:
        return parse_size(text)
    except ConfigError as exc:
        fix = f"use model, native or a side of 1 to {MAX_SIDE} pixels"
        raise ApiError(400, f"size {text!r} is not a size policy", fix, "size") from exc


def _transfer(
    state: ServerState,
    form: TransferForm,
    image: bytes | None,
    references: list[bytes],
    names: list[str],
) -> Response:
    pipe = translation_pipeline(state, form.model)
    the_one({"image": image, "text": form.text}, "content", _CONTENT_FIX, "image")
    seeds = seed_list(form.seeds, state.settings.max_images)
    size = _size(form.size)
    target, match = _target(state, pipe, form, references, names)
    options = {**target, "strength": form.strength, "seeds": seeds, "size": size}
    if image is None:
        out = _render_text(pipe, form, **options)
    else:
        picture = decode_upload(image, "image", state.settings.max_pixels)
        with blame("image", "send a smaller image, or use size=model (the default)"):
            out = pipe(picture, **options)
    fields = {
        "model": form.model,
        "weights": out.weights,
        "strength": form.strength,
        **prompt_fields(match),
    }
    return image_answer(torch.stack(out.tensors), out.seeds, form.format, form.columns, fields)


@router.post(
    "/transfer",
    summary="Restyle an uploaded image or a line of text: a PNG (a grid for several seeds) "
    "or JSON with base64 PNGs",
    responses={200: {"content": {"image/png": {}, "application/json": {}}}},
)
async def transfer(
    form: Annotated[TransferForm, Form(media_type="multipart/form-data")], request: Request
) -> Response:
    # media_type: a form model hides its file fields from FastAPI, which would otherwise
    # describe the body as urlencoded in /openapi.json.
    state = server(request)
    image = await form.image.read() if form.image is not None else None
    references = [await file.read() for file in form.reference or []]
    names = [file.filename or "" for file in form.reference or []]
    return await state.gate.run(_transfer, state, form, image, references, names)
