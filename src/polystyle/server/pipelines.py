"""Loaded pipelines, a few at a time (least recently used goes first).

Loading a model folder takes longer than a small render, so pipelines are kept; the key
includes the folder's stamp (model.json mtime), so a model re-registered under the same id is
loaded afresh instead of serving stale weights.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from polystyle.pipelines import SynthesisPipeline


class PipelineCache:
    def __init__(self, capacity: int, device: str) -> None:
        self.capacity = capacity
        self.device = device
        self._items: OrderedDict[tuple[str, float], SynthesisPipeline] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, folder: Path, stamp: float) -> SynthesisPipeline:
        key = (str(folder), stamp)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            pipe = SynthesisPipeline.from_pretrained(folder, device=self.device)
            self._items[key] = pipe
            for stale in [k for k in self._items if k[0] == key[0] and k != key]:
                del self._items[stale]
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
            return pipe
