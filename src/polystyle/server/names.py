"""Names that arrive in URLs and become folder or file names: one strict pattern each.

An id is a single path component by construction (no `/`, no leading dot), so joining it to
a folder can never leave that folder; checking the pattern before any lookup is the
path-traversal guard for models, jobs, uploads and served files.
"""

from __future__ import annotations

import re

from polystyle.server.problems import ApiError

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
FILE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.(png|html|json)")
ID_RULE = "1-64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit"


def check_id(value: str, what: str) -> str:
    if not ID_PATTERN.fullmatch(value) or ".." in value:
        raise ApiError(400, f"{what} {value!r} is not a valid id", f"use {ID_RULE}", what)
    return value


def check_file_name(value: str) -> str:
    if not FILE_PATTERN.fullmatch(value) or ".." in value:
        raise ApiError(
            400,
            f"file name {value!r} is not one this API serves",
            "use a name from the listing (letters, digits, '.', '_', '-'; .png, .html, .json)",
            "file",
        )
    return value


def slug(text: str) -> str:
    """A valid id made from free text (dataset names, upload names)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip(".-_")[:48]
    return re.sub(r"\.{2,}", ".", cleaned) or "model"
