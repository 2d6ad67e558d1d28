"""Request bodies of the JSON endpoints; their field descriptions become the /docs page.

Unknown fields are refused (`extra="forbid"`) so that a typo such as `seed` for `seeds` is a
422 naming the field rather than a silently ignored control; NaN and infinity are refused for
every number. Limits that depend on the server's settings (seeds, frames) are checked by the
routes.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import UploadFile
from pydantic import BaseModel, ConfigDict, Field, Json

from polystyle.styles.glyph_text import MAX_TEXT_CHARS

Seed = Annotated[int, Field(ge=0, lt=2**63)]
Seeds = list[Seed] | str
StyleSpecIn = str | dict[str, float]
ImageFormat = Literal["png", "grid", "json"]

_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=True)


class GenerateRequest(BaseModel):
    """Name the style one way: `style`, `weights`, `prompt` or `reference`."""

    model_config = _STRICT
    model: str = Field(description="model id, from GET /v1/models")
    style: str | None = Field(None, description="a style name, or a blend 'kai=0.7,hei=0.3'")
    weights: dict[str, float] | None = Field(
        None, description="a blend as {style: weight}; weights >= 0, normalised to sum 1"
    )
    prompt: str | None = Field(None, max_length=500, description="text matched to the styles")
    temperature: float = Field(0.1, gt=0, description="prompt sharpness: smaller = fewer styles")
    reference: str | None = Field(
        None, description="an image (PNG/JPEG/WebP) base64-encoded, optionally a data: URL"
    )
    layers: str | None = Field(
        None, max_length=500, description="per-layer mixing, e.g. '0-3:kai,4-:hei'"
    )
    truncation: float = Field(1.0, ge=0, le=1, description="1 = none, 0 = the style's mean")
    seeds: Seeds = Field("0", description="a list [1, 5] or a range string '0-7' / '1,5,9'")
    directions: dict[int, float] | None = Field(
        None, description="latent-direction sliders {index: sigmas}, e.g. {'0': 1.5}"
    )
    format: ImageFormat = Field(
        "png",
        description="png: the image (a grid when several seeds); grid: always a grid; "
        "json: base64 PNGs plus prompt weights",
    )
    columns: int | None = Field(None, ge=1, le=64, description="grid columns (default ~square)")


class TransferForm(BaseModel):
    """The multipart form of `/v1/transfer`: the content (`image` or `text`) and one target
    (`style`, `weights`, `prompt` or `reference`). Empty text fields count as not given."""

    model_config = _STRICT
    model: str = Field(description="a translation model's id, from GET /v1/models")
    image: UploadFile | None = Field(
        None, description="the image to restyle (PNG/JPEG/WebP/...), read by its content"
    )
    text: str | None = Field(
        None,
        max_length=MAX_TEXT_CHARS,
        pattern=r"^[^\r\n]*\S[^\r\n]*$",
        description="or one line of text, drawn in a built-in font first (glyph models)",
    )
    source_style: str | None = Field(
        None, description="with text: the built-in font style to draw it in (default: hei)"
    )
    style: str | None = Field(None, description="a style name, or a blend 'kai=0.7,hei=0.3'")
    weights: Json[dict[str, float]] | None = Field(
        None, description='a blend as JSON {"style": weight}; weights >= 0, normalised to sum 1'
    )
    prompt: str | None = Field(None, max_length=500, description="text matched to the styles")
    temperature: float = Field(0.1, gt=0, description="prompt sharpness: smaller = fewer styles")
    reference: list[UploadFile] | None = Field(
        None, description="image files whose mean style is the target (repeat the field)"
    )
    fit: bool = Field(
        False,
        description="glyph models, with reference files named after their characters "
        "(永.png or u6c38.png): fit the style to them instead of averaging their codes "
        "(about 11 s for 8 references on 2 cores)",
    )
    strength: float = Field(
        1.0, ge=0, le=1, description="0 keeps the input's own style, 1 is the full target"
    )
    seeds: str = Field("0", description="one output per seed: '0', a range '0-7' or '1,5,9'")
    size: str = Field(
        "model",
        description="model: scale the longer side to the training size; native: keep the "
        "input's size; or a side in pixels",
    )
    format: ImageFormat = Field(
        "png",
        description="png: the image (a grid when several seeds); grid: always a grid; "
        "json: base64 PNGs plus the target weights",
    )
    columns: int | None = Field(None, ge=1, le=64, description="grid columns (default ~square)")


class InterpolateRequest(BaseModel):
    """A path along one axis: `seeds` + `style`, `styles` + `seed`, or `wheel` + `seed`."""

    model_config = _STRICT
    model: str = Field(description="model id, from GET /v1/models")
    seeds: Seeds | None = Field(None, description="keypoint seeds of a noise path, e.g. [0, 5, 9]")
    seed: Seed | None = Field(None, description="the one seed of a styles or wheel path")
    style: StyleSpecIn | None = Field(None, description="the one style of a seeds path")
    styles: list[StyleSpecIn] | None = Field(
        None, description="keypoint styles: names, 'a=0.5,b=0.5' or {name: weight}"
    )
    wheel: bool = Field(False, description="one seed round every style and back")
    frames: int | None = Field(
        None, ge=2, description="total frames (default 16; wheel: 8 per style, a multiple)"
    )
    mode: Literal["slerp", "lerp"] | None = Field(None, description="noise path shape (seeds)")
    truncation: float = Field(1.0, ge=0, le=1)
    fps: float = Field(12.0, gt=0, le=50, description="GIF frame rate")


class ExplainLimits(BaseModel):
    """Sample counts of the analyses (`polystyle.explain.ExplainSettings`)."""

    model_config = _STRICT
    map_codes_per_style: int = Field(64, ge=1, le=1024)
    map_samples_per_style: int = Field(12, ge=1, le=256)
    layer_seeds: int = Field(16, ge=1, le=256)
    layer_max_pairs: int = Field(12, ge=1, le=256)
    directions: int = Field(5, ge=1, le=16)


class ExplainRequest(BaseModel):
    model_config = _STRICT
    model: str = Field(description="model id, from GET /v1/models")
    dataset: str | None = Field(None, description="built-in dataset the model was trained on")
    upload: str | None = Field(None, description="or an upload id (POST /v1/uploads)")
    seed: int = Field(0, ge=0, lt=2**63)
    truncation: float = Field(1.0, ge=0, le=1)
    style_a: str | None = None
    style_b: str | None = None
    settings: ExplainLimits | None = None


class TrainJobRequest(BaseModel):
    """Train on a built-in `dataset` or an `upload`; the model is registered when it ends."""

    model_config = _STRICT
    kind: Literal["train"]
    dataset: str | None = Field(None, description="built-in dataset name, e.g. 'fonts-cjk'")
    upload: str | None = Field(None, description="upload id from POST /v1/uploads")
    preset: str = Field("auto", description="a preset name (see `polystyle train --help`)")
    kimg: float | None = Field(None, gt=0, le=1e6, description="stop after this many kimg")
    minutes: float | None = Field(None, gt=0, le=1e6, description="stop after this long")
    overrides: list[str] = Field(
        default_factory=list,
        alias="set",
        max_length=100,
        description="config overrides 'section.key=value', as `polystyle train --set`",
    )
    name: str | None = Field(None, description="id to register the model under")
    seed: int | None = Field(None, ge=0, lt=2**31)


class EvaluateJobRequest(BaseModel):
    """Measure a registered model; its metrics then appear in GET /v1/models/{id}."""

    model_config = _STRICT
    kind: Literal["evaluate"]
    model: str = Field(description="model id, from GET /v1/models")
    dataset: str | None = Field(None, description="built-in dataset (default: the training one)")
    upload: str | None = Field(None, description="or an upload id")
    n: int = Field(2000, ge=2, le=50_000, description="generated images, split over styles")
    metrics: str | None = Field(None, description="comma-separated metric names")


JobRequest = TrainJobRequest | EvaluateJobRequest  # told apart by `kind`


class ResumeRequest(BaseModel):
    model_config = _STRICT
    kimg: float | None = Field(None, gt=0, le=1e6, description="new total length")
    minutes: float | None = Field(None, gt=0, le=1e6, description="new total time budget")
