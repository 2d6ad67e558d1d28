"""Turn a DATA argument (a folder or a built-in dataset name) into a dataset root."""

from __future__ import annotations

from pathlib import Path

from polystyle.data.builtin import build_dataset
from polystyle.errors import DatasetError
from polystyle.fileio import cache_root
from polystyle.registry import DATASETS


def resolve_root(data: str, size: int) -> Path:
    """A folder is used as is; a built-in name is built on demand into the cache."""
    path = Path(data).expanduser()
    if path.exists():
        return path
    if data in DATASETS:
        return build_dataset(data, cache_root() / "builtin" / f"{data}-{size}px", size=size)[0]
    raise DatasetError(
        f"{data!r} is neither a folder nor a built-in dataset; pass a folder laid out as "
        f"<root>/<style>/<image>.png or one of: {', '.join(DATASETS.keys())}"
    )
