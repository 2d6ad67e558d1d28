"""How a render is answered, the same for generate and transfer: one PNG, a grid PNG, or JSON
with base64 PNGs, so a client that reads one endpoint's answers reads the other's.
"""

from __future__ import annotations

from typing import Any

import torch
from fastapi import Response

from polystyle.sampling.images import to_pil
from polystyle.server.media import b64, grid_png, png_bytes
from polystyle.server.responses import SafeJSONResponse
from polystyle.server.schemas import ImageFormat
from polystyle.styles.prompt import PromptMatch


def image_answer(
    images: torch.Tensor,
    seeds: list[int],
    fmt: ImageFormat,
    columns: int | None,
    fields: dict[str, Any],
) -> Response:
    """uint8 `N x C x H x W`, one image per seed. png: the image itself for one seed, else a
    grid; grid: always a grid; json: `fields` plus seeds, size, channels and base64 PNGs."""
    if fmt == "json":
        height, width = images.shape[-2:]
        answer = {
            **fields,
            "seeds": seeds,
            "size": [width, height],
            "channels": images.shape[1],
            "images": [b64(png_bytes(to_pil(image))) for image in images],
        }
        return SafeJSONResponse(answer)
    if fmt == "png" and len(images) == 1:
        content = png_bytes(to_pil(images[0]))
    else:
        content = grid_png(images, columns)
    seed_header = ",".join(str(s) for s in seeds)
    return Response(content, media_type="image/png", headers={"X-Seeds": seed_header})


def prompt_fields(match: PromptMatch | None) -> dict[str, Any]:
    """What a prompt chose, for a JSON answer: its weights and the similarities behind them."""
    if match is None:
        return {}
    return {"prompt_weights": match.weights, "similarities": match.similarities}
