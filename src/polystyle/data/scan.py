"""Find the style folders and candidate image files under a dataset root.

Layout: `root/<style>/<name>.<ext>`, exactly one level of style folders. Anything else (loose
files, nested folders, broken links, symlink loops, unknown extensions) is reported and skipped,
never followed: a symlinked folder is read only as a style folder directly under the root.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path

from polystyle.data.images import IMAGE_EXTENSIONS
from polystyle.data.report import Problem
from polystyle.errors import DatasetError

# Files a dataset root may hold besides style folders; polystyle reads styles.json only.
ROOT_METADATA = frozenset({"styles.json", "LICENSES.md", "README.md", "README.txt", "build.json"})
LAYOUT_HINT = "lay images out as <root>/<style>/<image>.png"


@dataclass
class ScannedStyle:
    name: str
    path: Path
    files: list[Path] = field(default_factory=list)


@dataclass
class ScanResult:
    root: Path
    styles: list[ScannedStyle]
    problems: list[Problem]


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _link_problem(root: Path, path: Path) -> Problem | None:
    """A symlink that loops or points nowhere; None for a healthy path."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Problem(
                _rel(root, path),
                "symlink-loop",
                "symbolic link loops back on itself",
                "replace the link with the real file or folder",
            )
        if os.path.islink(path):
            return Problem(
                _rel(root, path),
                "broken-link",
                "symbolic link points to nothing",
                "fix or remove the link",
            )
        return Problem(
            _rel(root, path), "unreadable", f"cannot stat ({exc.strerror})", "check permissions"
        )
    return None


def scan_folder(root: str | os.PathLike[str]) -> ScanResult:
    root = Path(root)
    if not root.exists():
        raise DatasetError(
            f"dataset folder {root} does not exist; {LAYOUT_HINT}, "
            "or name a built-in dataset (polystyle datasets list)"
        )
    if not root.is_dir():
        raise DatasetError(f"{root} is a file, not a folder; {LAYOUT_HINT}")
    problems: list[Problem] = []
    styles: list[ScannedStyle] = []
    for entry in _healthy_entries(root, root, problems):
        if entry.is_dir():
            styles.append(_scan_style(root, entry, problems))
        elif entry.name not in ROOT_METADATA:
            problems.append(
                Problem(
                    _rel(root, entry),
                    "loose-file",
                    "file directly in the dataset root has no style",
                    "move it into a style folder <root>/<style>/",
                )
            )
    return ScanResult(root, styles, problems)


def _healthy_entries(root: Path, folder: Path, problems: list[Problem]) -> list[Path]:
    """`folder`'s entries by name, without hidden ones; bad links go to `problems` instead."""
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except PermissionError:
        problems.append(
            Problem(
                _rel(root, folder) if folder != root else ".",
                "unreadable",
                "permission denied listing the folder",
                "make it readable (chmod a+rx)",
            )
        )
        return []
    healthy = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        link_problem = _link_problem(root, entry)
        if link_problem:
            problems.append(link_problem)
        else:
            healthy.append(entry)
    return healthy


def _scan_style(root: Path, folder: Path, problems: list[Problem]) -> ScannedStyle:
    style = ScannedStyle(folder.name, folder)
    for entry in _healthy_entries(root, folder, problems):
        if entry.is_dir():
            problems.append(
                Problem(
                    _rel(root, entry),
                    "nested-folder",
                    "sub-folders inside a style folder are not read",
                    f"move its images up into {folder.name}/ or make it a style folder of its own",
                )
            )
        elif entry.suffix.lower() not in IMAGE_EXTENSIONS:
            problems.append(
                Problem(
                    _rel(root, entry),
                    "not-an-image",
                    f"extension {entry.suffix or '(none)'!r} is not an image "
                    "format polystyle reads",
                    "convert it to png/jpg/webp/bmp/gif/tiff or remove it",
                )
            )
        else:
            style.files.append(entry)
    return style
