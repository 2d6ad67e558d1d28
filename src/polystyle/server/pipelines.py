"""Loaded pipelines, a few at a time (least recently used goes first).

Loading a model folder takes longer than a small render, so pipelines are kept; the key
includes the folder's stamp (model.json mtime), so a model re-registered under the same id is
loaded afresh instead of serving stale weights. Synthesis and translation pipelines share the
cache: each folder holds one kind, which the caller names by the pipeline class it needs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import TypeVar

from polystyle.pipelines import SynthesisPipeline, TranslationPipeline

Pipeline = TypeVar("Pipeline", SynthesisPipeline, TranslationPipeline)


class PipelineCache:
    def __init__(self, capacity: int, device: str) -> None:
        self.capacity = capacity
        self.device = device
        self._items: OrderedDict[tuple[str, float], SynthesisPipeline | TranslationPipeline] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def get(self, folder: Path, stamp: float, cls: type[Pipeline]) -> Pipeline:
        key = (str(folder), stamp)
        with self._lock:
            cached = self._items.get(key)
            if isinstance(cached, cls):
                self._items.move_to_end(key)
                return cached
            pipe = cls.from_pretrained(folder, device=self.device)
            self._items[key] = pipe
            for stale in [k for k in self._items if k[0] == key[0] and k != key]:
                del self._items[stale]
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
            return pipe
