"""Turn a text prompt into weights over a model's styles, and keep the reasons visible.

Each style's one-line description and the prompt are embedded with the all-MiniLM-L6-v2
sentence encoder; the cosine similarities go through a softmax with a temperature. The
similarities travel with the weights (`PromptMatch`) so the UI can show why a style won: a
prompt must be explainable, not magic.

The encoder is `polystyle.nn.minilm` (all-MiniLM-L6-v2, offline).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

from polystyle.data.manifest import default_description
from polystyle.errors import ConfigError
from polystyle.nn.minilm import embed_sentences


@dataclass(frozen=True)
class PromptMatch:
    """Weights per style (descending) with the cosine similarities that produced them."""

    weights: dict[str, float]
    similarities: dict[str, float]


def style_descriptions(meta: Mapping[str, Any]) -> dict[str, str]:
    """Text per style of a model.json; a style nobody described is matched by its name.

    Training fills undescribed styles with the placeholder "<name> style", which says no more
    than the name, so it counts as missing too. Dashes and underscores become spaces so that
    "brush-kaisho" reaches the encoder as the words it is made of.
    """
    texts = {}
    for style in meta["styles"]:
        name = style["name"]
        description = " ".join((style.get("description") or "").split())
        if description in ("", default_description(name)):
            description = name.replace("-", " ").replace("_", " ")
        texts[name] = description
    return texts


def prompt_weights(
    prompt: str, descriptions: Mapping[str, str], temperature: float = 0.1
) -> dict[str, float]:
    """Style weights for `prompt`, largest first; see `match_prompt` for the similarities."""
    return match_prompt(prompt, descriptions, temperature).weights


def match_prompt(
    prompt: str, descriptions: Mapping[str, str], temperature: float = 0.1
) -> PromptMatch:
    """Softmax over prompt-to-description cosine similarities; smaller temperature is sharper.

    A style is compared through its description alone: prefixing its name ("hei: heiti ...")
    ranked the built-in fonts-cjk styles the same, mostly by thinner margins, as names like
    `kai` or `hei` are romanised Chinese that carry little meaning for an English encoder.
    """
    if not prompt.strip():
        raise ConfigError(
            "--prompt is empty; describe the style you want, e.g. --prompt 'rounded soft strokes'"
        )
    if not math.isfinite(temperature) or temperature <= 0:
        raise ConfigError(
            f"--temperature must be a positive number, got {temperature}; smaller values "
            "concentrate the weight on fewer styles (try --temperature 0.1)"
        )
    if not descriptions:
        raise ConfigError("--prompt needs a model with at least one style; this one has none")
    names = list(descriptions)
    embeddings = embed_sentences([prompt, *(descriptions[name] for name in names)])
    similarities = (embeddings[1:] @ embeddings[0]).double()
    weights = torch.softmax(similarities / temperature, dim=0)
    order = sorted(range(len(names)), key=lambda i: -weights[i].item())
    return PromptMatch(
        weights={names[i]: weights[i].item() for i in order},
        similarities={names[i]: similarities[i].item() for i in order},
    )
