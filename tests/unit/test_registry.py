import pytest

from polystyle.errors import RegistryError
from polystyle.registry import DATASETS, Registry


def test_unknown_key_lists_the_valid_ones() -> None:
    registry: Registry = Registry("widget")
    registry.register("b")(object())
    registry.register("a")(object())
    with pytest.raises(RegistryError, match="unknown widget 'c'; valid widgets: a, b"):
        registry.get("c")


def test_duplicate_registration_is_refused() -> None:
    registry: Registry = Registry("widget")
    registry.register("a")(1)
    with pytest.raises(ValueError, match="already registered"):
        registry.register("a")(2)


def test_builtin_datasets_are_registered() -> None:
    import polystyle.data.builtin  # noqa: F401

    assert {"fonts-cjk", "emoji"} <= set(DATASETS.keys())
