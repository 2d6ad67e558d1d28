"""`styles.json`: the style table (name, id, count, one-line description).

polystyle writes it next to the processed cache, never into the user's folder. A user who
wants to describe their styles (text prompts use the descriptions) may keep their own
`styles.json` in the dataset root; polystyle only reads it. Either shape is accepted:
`{"kai": "regular script"}` or `{"styles": [{"name": "kai", "description": "..."}]}`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from polystyle.errors import DatasetError
from polystyle.fileio import atomic_write_json

MANIFEST_NAME = "styles.json"
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class StyleInfo:
    name: str
    id: int
    count: int
    description: str


def default_description(name: str) -> str:
    return f"{name} style"


def read_descriptions(path: Path) -> dict[str, str]:
    """Descriptions by style name from a user's or a previous styles.json; {} if absent."""
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError(
            f"{path} is not valid JSON ({exc}); fix it or delete it "
            '(expected {"<style>": "<one-line description>"})'
        ) from exc
    if isinstance(raw, dict) and isinstance(raw.get("styles"), list):
        return {
            str(item["name"]): " ".join(str(item.get("description", "")).split())
            for item in raw["styles"]
            if isinstance(item, dict) and "name" in item and item.get("description")
        }
    if isinstance(raw, dict) and all(isinstance(v, str) for v in raw.values()):
        return {str(k): " ".join(v.split()) for k, v in raw.items() if v.strip()}
    raise DatasetError(
        f'{path} has an unexpected shape; use {{"<style>": "<one-line description>"}}'
    )


def write_manifest(path: Path, styles: list[StyleInfo], **extra: object) -> None:
    atomic_write_json(
        path,
        {"format": MANIFEST_FORMAT, **extra, "styles": [asdict(style) for style in styles]},
    )
