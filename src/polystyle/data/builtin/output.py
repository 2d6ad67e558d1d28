"""Writing a built-in dataset: atomic, stamped with its parameters, cached by that stamp."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from polystyle.data.manifest import MANIFEST_NAME
from polystyle.errors import DatasetError
from polystyle.fileio import atomic_directory, atomic_write_json

STAMP_NAME = "build.json"
BUILDER_VERSION = 1


@dataclass(frozen=True)
class BuildRequest:
    name: str
    out: Path
    size: int
    limit: int | None
    force: bool = False

    def stamp(self) -> dict[str, object]:
        return {
            "dataset": self.name,
            "size": self.size,
            "limit": self.limit,
            "builder_version": BUILDER_VERSION,
        }


def existing_build(request: BuildRequest) -> bool:
    """True when `out` already holds this exact build; refuses to clobber a foreign folder."""
    stamp_path = request.out / STAMP_NAME
    if stamp_path.is_file():
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
        return not request.force and all(stamp.get(k) == v for k, v in request.stamp().items())
    if request.out.exists() and any(request.out.iterdir()):
        raise DatasetError(
            f"{request.out} exists and is not a polystyle dataset build; choose another --out "
            "or empty the folder"
        )
    return False


def write_build(
    request: BuildRequest,
    files: Mapping[str, bytes | None],
    descriptions: Mapping[str, str],
    licenses: str,
    info: Mapping[str, object],
) -> Path:
    """Write every file into a temporary folder, then swap it in as `request.out`."""
    with atomic_directory(request.out, replace=True) as tmp:
        for rel, data in files.items():
            if data is None:
                continue
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        atomic_write_json(tmp / MANIFEST_NAME, dict(descriptions))
        (tmp / "LICENSES.md").write_text(licenses, encoding="utf-8")
        atomic_write_json(tmp / STAMP_NAME, {**request.stamp(), **info})
    return request.out


def debian_copyright(package: str) -> str:
    path = Path("/usr/share/doc") / package / "copyright"
    if path.is_file():
        return path.read_text(encoding="utf-8", errors="replace").strip()
    return f"(copyright file of {package} not found at {path}; see the package's upstream)"
