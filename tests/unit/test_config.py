import pytest

from polystyle.config import DataConfig
from polystyle.errors import ConfigError


@pytest.mark.parametrize(
    ("kwargs", "flag"),
    [
        ({"size": 8}, "--size"),
        ({"size": 2048}, "--size"),
        ({"channels": 2}, "--channels"),
        ({"fit": "stretch"}, "--fit"),
        ({"min_per_style": 0}, "--min-per-style"),
        ({"cache": "disk"}, "cache"),
        ({"val_fraction": 0.6, "test_fraction": 0.5}, "fraction"),
        ({"val_fraction": -0.1}, "fraction"),
    ],
)
def test_invalid_values_name_the_flag(kwargs: dict, flag: str) -> None:
    with pytest.raises(ConfigError, match=flag):
        DataConfig(**kwargs)


def test_cache_key_changes_with_pixel_settings_only() -> None:
    base = DataConfig()
    assert DataConfig(size=32).key != base.key
    assert DataConfig(fit="crop").key != base.key
    assert DataConfig(min_per_style=3).key == base.key
