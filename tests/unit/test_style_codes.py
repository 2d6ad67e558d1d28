"""Style specs: blends and per-layer groups are validated with errors that say the fix."""

from __future__ import annotations

import pytest
import torch

from polystyle.errors import ConfigError
from polystyle.styles.codes import format_blend, parse_blend, parse_layers, style_weights

NAMES = ["hei", "kai", "sosho"]


def test_label_and_blend_weights():
    assert torch.equal(style_weights("kai", NAMES), torch.tensor([0.0, 1.0, 0.0]))
    blend = style_weights("kai=0.7,sosho=0.3", NAMES)
    torch.testing.assert_close(blend, torch.tensor([0.0, 0.7, 0.3]))
    torch.testing.assert_close(
        style_weights({"hei": 2, "kai": 2}, NAMES), torch.tensor([0.5, 0.5, 0])
    )
    assert format_blend(blend, NAMES) == "kai=0.7,sosho=0.3"
    assert format_blend(style_weights("hei", NAMES), NAMES) == "hei"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("ming", "unknown style 'ming'; this model has: hei, kai, sosho"),
        ("kai=-0.5,hei=1", "finite weights >= 0"),
        ("kai=0,hei=0", "sum to 0"),
        ("kai=abc", "name=weight"),
        ("kai=0.5,=0.5", "name=weight"),
        ({"kai": float("nan")}, "finite weights"),
    ],
)
def test_bad_blends_say_what_to_do(spec, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        style_weights(spec, NAMES)


def test_parse_blend_sums_repeated_names():
    assert parse_blend("kai=0.25,kai=0.25,hei=0.5") == {"kai": 0.5, "hei": 0.5}


def test_layer_groups_with_open_ranges_and_blends():
    groups = parse_layers("0-3:kai,4-:hei=0.5,sosho=0.5", num_ws=10)
    assert groups == [(range(0, 4), "kai"), (range(4, 10), "hei=0.5,sosho=0.5")]
    assert parse_layers("2:sosho", num_ws=10) == [(range(2, 3), "sosho")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0-3:kai,3-5:hei", "overlap"),
        ("0-12:kai", "0..9"),
        ("5-2:kai", "0..9"),
        ("a-b:kai", "groups like"),
        ("0-3:", "groups like"),
    ],
)
def test_bad_layer_groups(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_layers(text, num_ws=10)
