"""Reference images -> style embeddings, through the model's style encoder.

A reference is a path, a PIL image or a uint8 tensor; it is decoded like a dataset image
(EXIF orientation, transparency on white, padded to a square at the model's size), so a
user's glyph or emoji file works as is. The encoder's class probabilities come along: they
name the known styles the reference is closest to, and centre truncation on them.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from polystyle.config import DataConfig
from polystyle.data.images import ImageProblem, decode_image, read_bytes
from polystyle.errors import ConfigError
from polystyle.models.encoder import StyleEncoder
from polystyle.sampling.images import to_float

Reference = str | Path | Image.Image | torch.Tensor
# How a reference becomes a style embedding: the blend of known styles the encoder
# recognises, or the encoder's regressed embedding itself (see SynthesisPipeline).
REFERENCE_CODES = ("blend", "encoder")


def reference_pixels(reference: Reference, size: int, channels: int) -> torch.Tensor:
    """One reference -> uint8 `C x size x size` with the model's channel count."""
    if isinstance(reference, torch.Tensor):
        image = reference
        if image.dtype != torch.uint8 or image.shape != (channels, size, size):
            raise ConfigError(
                f"a reference tensor must be uint8 {channels} x {size} x {size}, got "
                f"{image.dtype} {tuple(image.shape)}; pass a file or PIL image to resize it"
            )
        return image
    label = str(reference) if not isinstance(reference, Image.Image) else "the reference image"
    try:
        if isinstance(reference, Image.Image):
            buffer = io.BytesIO()
            reference.save(buffer, format="PNG")
            data = buffer.getvalue()
        else:
            data = read_bytes(str(reference))
        decoded = decode_image(data, DataConfig(size=size))
    except ImageProblem as problem:
        raise ConfigError(f"--reference {label}: {problem.message}; {problem.fix}") from None
    pixels = decoded.pixels
    if channels == 1 and pixels.shape[2] == 3:
        pixels = np.asarray(Image.fromarray(pixels).convert("L"))[:, :, None]
    elif channels == 3 and pixels.shape[2] == 1:
        pixels = np.repeat(pixels, 3, axis=2)
    return torch.from_numpy(np.array(pixels)).permute(2, 0, 1)


@torch.no_grad()
def encode_references(
    encoder: StyleEncoder, images: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 `N x C x H x W` -> (style embeddings N x D, style probabilities N x S)."""
    device = next(encoder.parameters()).device
    embedding, logits = encoder(to_float(images).to(device))
    return embedding, logits.softmax(dim=1)
