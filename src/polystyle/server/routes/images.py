"""`/v1/generate` and `/v1/interpolate`: images and animations from synthesis models.

Each control is checked on its own before anything is rendered (`controls.py`), so a mistake
comes back as a 400 naming that field (`weights`, `layers`, `directions`, ...) with this
model's valid values in the fix. The rendering itself is the library's (`SynthesisPipeline`,
`interpolation_frames`, `style_wheel`): the API adds no second code path, so an answer holds
the same pixels as the CLI's file for the same inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from fastapi import APIRouter, Request, Response
from PIL import Image

from polystyle.pipelines import SynthesisPipeline
from polystyle.pipelines.synthesis import SynthesisOutput
from polystyle.sampling.interpolate import interpolation_frames, style_wheel
from polystyle.server.answers import image_answer, prompt_fields
from polystyle.server.controls import check_prompt, check_style, seed_list, target_fix, the_one
from polystyle.server.media import gif_bytes
from polystyle.server.problems import ApiError, blame
from polystyle.server.schemas import GenerateRequest, InterpolateRequest
from polystyle.server.state import ServerState, pipeline, server
from polystyle.server.uploads import decode_reference
from polystyle.styles.codes import StyleSpec
from polystyle.styles.prompt import PromptMatch

router = APIRouter(prefix="/v1", tags=["images"])
PATH_FRAMES = 16  # as `polystyle interpolate`
WHEEL_STEPS = 8


def check_controls(
    pipe: SynthesisPipeline, layers: str | None, directions: Mapping[int, float] | None
) -> None:
    if layers:
        last = pipe.generator.num_ws - 1
        fix = f"write groups like 0-{last // 2}:{pipe.style_names[0]} with layers 0..{last}"
        if last == 0:
            fix = "this architecture has one style code for all layers; drop layers"
        with blame("layers", fix):
            pipe.layer_groups(layers)
    if directions:
        count = len(pipe.directions.components)
        fix = f'use indices 0..{count - 1} mapped to sigmas, e.g. {{"0": 1.5}}'
        with blame("directions", fix):
            pipe.directions.offset(directions)


def _reference(state: ServerState, pipe: SynthesisPipeline, text: str) -> Image.Image:
    if pipe.encoder is None:
        raise ApiError(
            400,
            "reference: this model has no style encoder",
            "use style, weights or prompt, or retrain with the encoder enabled",
            "reference",
        )
    decoded = decode_reference(text, pipe.meta["image"]["size"], state.settings.max_pixels)
    pixels = decoded.pixels
    return Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)


def _target(
    state: ServerState, pipe: SynthesisPipeline, request: GenerateRequest
) -> tuple[StyleSpec | None, PromptMatch | None, Image.Image | None]:
    """The one style the request names, checked: (style or blend, prompt match, reference)."""
    targets = {f: getattr(request, f) for f in ("style", "weights", "prompt", "reference")}
    the_one(targets, "style", target_fix(pipe.style_names), "style")
    if request.style is not None:
        check_style(pipe.style_names, request.style, "style")
        return request.style, None, None
    if request.weights is not None:
        check_style(pipe.style_names, request.weights, "weights")
        return request.weights, None, None
    if request.prompt is not None:
        match = check_prompt(pipe, request.prompt, request.temperature)
        return match.weights, match, None
    return None, None, _reference(state, pipe, str(request.reference))


def _answer(
    request: GenerateRequest, output: SynthesisOutput, match: PromptMatch | None = None
) -> Response:
    fields = {"model": request.model, "styles": output.styles, **prompt_fields(match)}
    return image_answer(output.tensor, output.seeds, request.format, request.columns, fields)


def _generate(state: ServerState, request: GenerateRequest) -> Response:
    pipe = pipeline(state, request.model)
    seeds = seed_list(request.seeds, state.settings.max_images)
    style, match, reference = _target(state, pipe, request)
    check_controls(pipe, request.layers, request.directions)
    output = pipe(
        style,
        seeds,
        request.truncation,
        layers=request.layers,
        directions=request.directions,
        reference=reference,
    )
    return _answer(request, output, match)


def batch_key(request: GenerateRequest) -> tuple[str, float] | None:
    """Requests that differ only in style, seeds and answer format draw together; prompts,
    references, layer mixing and directions are drawn alone."""
    if request.prompt or request.reference or request.layers or request.directions:
        return None
    if (request.style is None) == (request.weights is None):
        return None  # none or both: the lone path explains the mistake
    return request.model, request.truncation


def _generate_batch(
    state: ServerState, requests: list[GenerateRequest]
) -> list[Response | Exception]:
    """One generator call for requests of one `batch_key`; each is checked, and answered or
    refused, on its own."""
    pipe = pipeline(state, requests[0].model)
    answers: dict[int, Response | Exception] = {}
    drawn: list[tuple[int, list[int], StyleSpec]] = []
    for index, request in enumerate(requests):
        try:
            seeds = seed_list(request.seeds, state.settings.max_images)
            style, _, _ = _target(state, pipe, request)
        except ApiError as exc:
            answers[index] = exc
            continue
        drawn.append((index, seeds, style))
    if drawn:
        specs = [style for _, seeds, style in drawn for _ in seeds]
        all_seeds = [seed for _, seeds, _ in drawn for seed in seeds]
        output = pipe(specs, all_seeds, requests[0].truncation)
        start = 0
        for index, seeds, _ in drawn:
            part = slice(start, start + len(seeds))
            start += len(seeds)
            mine = SynthesisOutput(output.tensor[part], seeds, output.styles[part])
            answers[index] = _answer(requests[index], mine)
    return [answers[index] for index in range(len(requests))]


@router.post(
    "/generate",
    summary="Draw images: a PNG (a grid for several seeds) or JSON with base64 PNGs",
    responses={200: {"content": {"image/png": {}, "application/json": {}}}},
)
async def generate(body: GenerateRequest, request: Request) -> Response:
    state = server(request)
    key = batch_key(body)
    if key is None or state.batcher.max_batch == 1:
        return await state.gate.run(_generate, state, body)
    ticket = state.batcher.enqueue(key, body)
    try:
        return await state.gate.run(state.batcher.serve, ticket, partial(_generate_batch, state))
    finally:
        state.batcher.withdraw(ticket)  # a no-op once answered; else it is not drawn later


def _frames(request: InterpolateRequest, default: int, limit: int) -> int:
    frames = request.frames or default
    if frames > limit:
        raise ApiError(400, f"frames: {frames} frames", f"ask for at most {limit}", "frames")
    return frames


def _interpolate(state: ServerState, request: InterpolateRequest) -> Response:
    pipe = pipeline(state, request.model)
    limit = state.settings.max_frames
    if request.wheel:
        if request.seeds is not None or request.style is not None or request.styles or request.mode:
            raise ApiError(
                400,
                "wheel: a wheel visits every style on its own",
                "give only seed (and frames, truncation, fps) with wheel",
                "wheel",
            )
        if request.seed is None:
            raise ApiError(400, "wheel: no seed", "give the one seed to draw, e.g. 3", "seed")
        count = len(pipe.style_names)
        frames = _frames(request, WHEEL_STEPS * count, limit)
        if frames % count:
            raise ApiError(
                400,
                f"frames: {frames} is not a multiple of the {count} styles",
                f"use e.g. {count * max(1, round(frames / count))}",
                "frames",
            )
        with blame("wheel", "a wheel needs a model with two or more styles"):
            tensor = style_wheel(pipe, request.seed, frames // count, request.truncation)
    else:
        if request.seeds is not None and request.seed is not None:
            raise ApiError(400, "seeds and seed are both given", "give one of them", "seed")
        if request.style is not None and request.styles:
            raise ApiError(400, "style and styles are both given", "give one of them", "style")
        seeds = (
            seed_list(request.seeds, limit)
            if request.seeds is not None
            else ([] if request.seed is None else [request.seed])
        )
        styles = [request.style] if request.style is not None else list(request.styles or [])
        if request.mode is not None and len(styles) > 1:
            raise ApiError(
                400,
                "mode: shapes a seeds path only",
                "drop mode; style weights always move linearly",
                "mode",
            )
        for spec in styles:
            check_style(pipe.style_names, spec, "styles" if request.styles else "style")
        frames = _frames(request, PATH_FRAMES, limit)
        fix = "give several seeds with one style, or several styles with one seed"
        with blame("seeds", fix):
            tensor = interpolation_frames(
                pipe,
                seeds=seeds,
                styles=styles,
                frames=frames,
                mode=request.mode or "slerp",
                truncation=request.truncation,
            )
    return Response(
        gif_bytes(tensor, request.fps),
        media_type="image/gif",
        headers={"X-Frames": str(len(tensor))},
    )


@router.post(
    "/interpolate",
    summary="Animate a path between seeds or styles, or round all styles (GIF)",
    responses={200: {"content": {"image/gif": {}}}},
    response_class=Response,
)
async def interpolate(body: InterpolateRequest, request: Request) -> Response:
    state = server(request)
    return await state.gate.run(_interpolate, state, body)
