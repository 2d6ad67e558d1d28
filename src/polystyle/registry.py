"""Name -> implementation registries, so configs and flags can pick components by key.

Third-party packages add entries through the ``polystyle.plugins`` entry-point group: each
entry point is imported once, on the first lookup miss, and registers itself on import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from typing import Generic, TypeVar

from polystyle.errors import RegistryError

T = TypeVar("T")

PLUGIN_GROUP = "polystyle.plugins"
_plugins_loaded = False


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for ep in entry_points(group=PLUGIN_GROUP):
        ep.load()


class Registry(Generic[T]):
    """A named table of components; an unknown key lists the valid ones in its error."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, key: str) -> Callable[[T], T]:
        def decorator(obj: T) -> T:
            if key in self._items:
                raise ValueError(f"{self.kind} {key!r} is already registered")
            self._items[key] = obj
            return obj

        return decorator

    def get(self, key: str) -> T:
        if key not in self._items:
            _load_plugins()
        if key not in self._items:
            valid = ", ".join(sorted(self._items)) or "(none registered)"
            raise RegistryError(f"unknown {self.kind} {key!r}; valid {self.kind}s: {valid}")
        return self._items[key]

    def keys(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())


ARCHITECTURES: Registry = Registry("architecture")
LOSSES: Registry = Registry("loss")
AUGMENTS: Registry = Registry("augment")
METRICS: Registry = Registry("metric")
DATASETS: Registry = Registry("dataset")
