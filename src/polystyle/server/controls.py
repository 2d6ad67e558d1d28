"""Checks of the request controls that generate and transfer share: seeds, style targets.

Each is checked on its own before anything is rendered, so a mistake comes back as a 400
naming that field with this model's valid values in the fix, rather than as a failure half
way through a render.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from polystyle.pipelines import SynthesisPipeline, TranslationPipeline
from polystyle.sampling.seeds import parse_seeds
from polystyle.server.problems import ApiError, blame
from polystyle.server.schemas import Seeds
from polystyle.styles.codes import style_weights
from polystyle.styles.prompt import PromptMatch


def seed_list(value: Seeds, limit: int, field: str = "seeds") -> list[int]:
    """A list or range string -> seeds, refusing more than `limit` before expanding ranges."""
    if isinstance(value, str):
        count = 0
        for part in value.split(","):
            low, dash, high = part.strip().partition("-")
            both = dash and low.strip().isdigit() and high.strip().isdigit()
            count += int(high) - int(low) + 1 if both else 1
        if count > limit:
            raise ApiError(
                400, f"{field}: {value!r} names {count} seeds", f"ask for at most {limit}", field
            )
        with blame(field, "use a range like '0-7', a list like '1,5,9' or a JSON list"):
            return parse_seeds(value)
    if not value:
        raise ApiError(400, f"{field}: the list is empty", "give one seed or more, e.g. [0]", field)
    if len(value) > limit:
        raise ApiError(400, f"{field}: {len(value)} seeds", f"ask for at most {limit}", field)
    return list(value)


def the_one(given: Mapping[str, object], what: str, fix: str, field: str) -> str:
    """The name of the one entry of `given` that is set (not None); a 400 naming the ones
    set, or saying none is, otherwise."""
    named = [name for name, value in given.items() if value is not None]
    if not named:
        raise ApiError(400, f"no {what} given", fix, field)
    if len(named) > 1:
        raise ApiError(400, f"give the {what} one way, not {' and '.join(named)}", fix, field)
    return named[0]


def target_fix(names: Sequence[str]) -> str:
    """The fix for a request that names its target style in no way, or in several."""
    return f"give exactly one of style, weights, prompt, reference (styles: {', '.join(names)})"


def check_style(names: Sequence[str], spec: str | Mapping[str, float], field: str) -> None:
    example = "=0.5,".join(names[:2]) + "=0.5"
    fix = f"use this model's styles ({', '.join(names)}) with weights >= 0, e.g. {example}"
    with blame(field, fix):
        style_weights(spec, names)


def check_prompt(
    pipe: SynthesisPipeline | TranslationPipeline, prompt: str, temperature: float
) -> PromptMatch:
    """The prompt's weights over the model's styles; the render then uses these weights."""
    with blame("prompt", "describe the style in words, with temperature > 0"):
        return pipe.match_prompt(prompt, temperature)
