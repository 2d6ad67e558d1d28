import pytest
import torch

from polystyle.devices import autocast_dtype, native_bf16
from polystyle.errors import ConfigError
from polystyle.sampling.seeds import parse_seeds, z_from_seeds
from polystyle.training.ema import ema_beta


def test_parse_seeds_ranges_and_lists() -> None:
    assert parse_seeds("0-3") == [0, 1, 2, 3]
    assert parse_seeds("5, 1,0-1") == [5, 1, 0, 1]


@pytest.mark.parametrize("text", ["", "a-b", "3-1", "-2", "1.5"])
def test_bad_seeds_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError, match="--seeds"):
        parse_seeds(text)


def test_z_depends_only_on_its_seed() -> None:
    assert torch.equal(z_from_seeds([7, 8], 16)[1], z_from_seeds([8], 16)[0])


def test_ema_half_life() -> None:
    beta = ema_beta(batch=32, half_life_kimg=1.0)
    assert beta ** (1000 / 32) == pytest.approx(0.5)


def test_precision_picks_bf16_only_where_asked_or_native() -> None:
    cpu = torch.device("cpu")
    assert autocast_dtype("fp32", cpu) is None
    assert autocast_dtype("bf16", cpu) is torch.bfloat16
    assert autocast_dtype("auto", cpu) is (torch.bfloat16 if native_bf16(cpu) else None)
