"""Files from the network: zip archives of style folders, uploaded and base64 images.

Nothing is trusted by its name. A zip member is written only after its path was checked (one
style folder, one file name, no `..`, no absolute path, no link: no zip-slip) and its bytes
decoded as an image under the pixel limit; sizes are bounded before anything is inflated
(member count, total uncompressed size, per-member compression ratio: no zip bomb) and again
while reading, because a crafted archive can lie in its headers. Extraction never calls
`ZipFile.extractall`, so no path from the archive reaches the file system unchecked.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import stat
import time
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO, Any

from PIL import Image

from polystyle.config import DataConfig
from polystyle.data.images import DecodedImage, ImageProblem, decode_image, open_image
from polystyle.fileio import atomic_directory, atomic_write_json
from polystyle.server.problems import ApiError, image_error
from polystyle.server.settings import ServerSettings

UPLOAD_JSON = "upload.json"
DATA_DIR = "data"
# Decoding at the smallest model size is enough to prove a file is an image.
_CHECK_SIZE = 16
_JUNK = ("__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini")
_ZIP_FIX = "send a .zip whose top level (or one folder inside it) holds one folder per style"


def decode_reference(text: str, size: int, max_pixels: int) -> DecodedImage:
    """A base64 image (a `data:` URL prefix is allowed) decoded at the model's size."""
    payload = text.split(",", 1)[1] if text.startswith("data:") else text
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiError(
            400,
            "reference: not valid base64",
            "send the PNG (or JPEG/WebP) file's bytes base64-encoded, optionally as a data: URL",
            "reference",
        ) from exc
    try:
        return decode_image(data, DataConfig(size=size, max_pixels=max_pixels))
    except ImageProblem as problem:
        raise image_error("reference", problem) from problem


def decode_upload(data: bytes, field: str, max_pixels: int) -> Image.Image:
    """An uploaded image file, decoded by its content (never its name or declared type) at
    its own size, refused over the pixel limit before any pixel is decoded."""
    try:
        image, _, _ = open_image(data, max_pixels)
    except ImageProblem as problem:
        raise image_error(field, problem) from problem
    return image


def _member_parts(info: zipfile.ZipInfo) -> tuple[str, ...] | None:
    """The checked path of a member as parts, or None for folders and OS clutter."""
    name = info.filename
    if info.is_dir():
        return None
    if (info.external_attr >> 16) and stat.S_ISLNK(info.external_attr >> 16):
        raise ApiError(400, f"zip member {name!r} is a symbolic link", _ZIP_FIX, "file")
    path = PurePosixPath(name)
    unsafe = (
        "\\" in name
        or ":" in name
        or path.is_absolute()
        or any(part in ("", ".", "..") for part in name.split("/"))
        or any(ord(ch) < 32 for ch in name)
    )
    if unsafe:
        raise ApiError(400, f"zip member {name!r} has an unsafe path", _ZIP_FIX, "file")
    if any(part in _JUNK or part.startswith(".") for part in path.parts):
        return None
    return path.parts


def _layout(members: list[tuple[zipfile.ZipInfo, tuple[str, ...]]]) -> list[tuple[Any, str, str]]:
    """(member, style, file name) for `style/file`, or `top/style/file` with one shared top."""
    tops = {parts[0] for _, parts in members}
    strip = len(tops) == 1 and all(len(parts) == 3 for _, parts in members)
    out = []
    for info, parts in members:
        rest = parts[1:] if strip else parts
        if len(rest) != 2:
            raise ApiError(
                400,
                f"zip member {info.filename!r} is not inside exactly one style folder",
                _ZIP_FIX,
                "file",
            )
        out.append((info, rest[0], rest[1]))
    return out


def _check_sizes(infos: list[zipfile.ZipInfo], settings: ServerSettings) -> None:
    if len(infos) > settings.max_zip_members:
        raise ApiError(
            413,
            f"the zip holds {len(infos)} entries; the limit is {settings.max_zip_members}",
            "split the dataset or ask the operator to raise the limit",
            "file",
        )
    total = sum(info.file_size for info in infos)
    if total > settings.max_zip_bytes:
        raise ApiError(
            413,
            f"the zip unpacks to {total:,} bytes; the limit is {settings.max_zip_bytes:,}",
            "send fewer or smaller images",
            "file",
        )
    for info in infos:
        packed = max(info.compress_size, 1)
        if info.file_size / packed > settings.max_zip_ratio:
            raise ApiError(
                413,
                f"zip member {info.filename!r} inflates {info.file_size / packed:.0f}-fold; "
                f"the limit is {settings.max_zip_ratio}-fold (zip-bomb guard)",
                "send ordinary image files; images barely compress inside a zip",
                "file",
            )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """The member's bytes, refusing more than its declared size or the remaining budget."""
    limit = min(info.file_size, budget)
    with archive.open(info) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ApiError(
            413, f"zip member {info.filename!r} is larger than declared", _ZIP_FIX, "file"
        )
    return data


def extract_styles(file: IO[bytes], settings: ServerSettings) -> dict[str, Any]:
    """Check and unpack a zip of style folders into a new upload folder; its summary."""
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ApiError(400, "the upload is not a zip archive", _ZIP_FIX, "file") from exc
    with archive:
        infos = archive.infolist()
        _check_sizes(infos, settings)
        members = [(i, parts) for i in infos if (parts := _member_parts(i)) is not None]
        if not members:
            raise ApiError(400, "the zip holds no files", _ZIP_FIX, "file")
        upload_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(4)}"
        folder = settings.jobs_dir / "uploads" / upload_id
        counts: dict[str, int] = {}
        budget = settings.max_zip_bytes
        config = DataConfig(size=_CHECK_SIZE, max_pixels=settings.max_pixels)
        with atomic_directory(folder) as tmp:
            for info, style, name in _layout(members):
                data = _read_member(archive, info, budget)
                budget -= len(data)
                try:
                    decode_image(data, config)
                except ImageProblem as problem:
                    raise image_error(f"file {info.filename}", problem) from problem
                target = tmp / DATA_DIR / style / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                counts[style] = counts.get(style, 0) + 1
            summary = {
                "id": upload_id,
                "styles": [{"name": s, "images": n} for s, n in sorted(counts.items())],
                "images": sum(counts.values()),
                "created": time.time(),
            }
            atomic_write_json(tmp / UPLOAD_JSON, summary)
    return summary


def upload_summary(settings: ServerSettings, upload_id: str) -> dict[str, Any] | None:
    path = settings.jobs_dir / "uploads" / upload_id / UPLOAD_JSON
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def upload_data(settings: ServerSettings, upload_id: str) -> Path:
    return settings.jobs_dir / "uploads" / upload_id / DATA_DIR
