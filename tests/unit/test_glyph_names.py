from __future__ import annotations

from pathlib import Path

import pytest
import torch

from polystyle.errors import ConfigError
from polystyle.styles.glyph_text import character_of


def test_a_reference_glyph_names_its_character_as_a_user_or_fonts_cjk_does() -> None:
    assert character_of("refs/永.png") == "永"
    assert character_of(Path("data/kai/u6c38.png")) == "永"
    assert character_of("u20000.png") == "\U00020000"  # outside the BMP


@pytest.mark.parametrize(
    "reference", ["glyph.png", "u12.png", "uffffff.png", torch.zeros(1, 4, 4, dtype=torch.uint8)]
)
def test_a_reference_without_a_character_name_is_refused_with_the_fix(reference) -> None:
    with pytest.raises(ConfigError, match=r"e\.g\. 永\.png or u6c38\.png"):
        character_of(reference)
