"""`StyleFolder`: a style dataset decoded once and cached, ready for training.

Small datasets ("memory" mode) are decoded once into one uint8 tensor `N x C x H x W` and saved
as safetensors under the cache, keyed by a hash of every file's bytes plus the decoding
settings, so a second open costs a read, not a decode, and training never decodes per step.
Large folders ("lazy" mode) are validated once, indexed (keyed by file sizes and mtimes) and
decoded on access. The user's folder is only ever read.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from polystyle.config import DataConfig
from polystyle.data.images import DecodedImage, ImageProblem, decode_image, read_bytes
from polystyle.data.manifest import (
    MANIFEST_NAME,
    StyleInfo,
    default_description,
    read_descriptions,
    write_manifest,
)
from polystyle.data.pairing import PairIndex
from polystyle.data.report import Problem
from polystyle.data.scan import LAYOUT_HINT, ScanResult, scan_folder
from polystyle.data.splits import Split, split_of, stem_key
from polystyle.errors import DatasetError
from polystyle.fileio import atomic_directory, atomic_write_json, cache_root

CACHE_FORMAT = 1
INDEX_NAME = "index.json"
IMAGES_NAME = "images.safetensors"


@dataclass(frozen=True)
class ImageRecord:
    """One usable image. `path` is relative to the dataset root, POSIX separators."""

    style_id: int
    stem: str
    path: str
    split: Split
    source_size: tuple[int, int]
    source_mode: str


@dataclass(frozen=True)
class _Candidate:
    style: str
    path: Path
    rel: str
    stem: str


class StyleFolder:
    """Images, labels, splits, pairs and the skip report of one dataset root."""

    def __init__(
        self,
        root: Path,
        config: DataConfig,
        styles: list[StyleInfo],
        records: list[ImageRecord],
        problems: list[Problem],
        channels: int,
        images: torch.Tensor | None,
        cache_dir: Path,
        from_cache: bool,
    ) -> None:
        self.root = root
        self.config = config
        self.styles = styles
        self.records = records
        self.problems = problems
        self.channels = channels
        self._images = images
        self.cache_dir = cache_dir
        self.from_cache = from_cache

    @classmethod
    def open(
        cls,
        root: str | os.PathLike[str],
        config: DataConfig | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        rebuild: bool = False,
    ) -> StyleFolder:
        """Scan `root`, then load the matching cache entry or build it."""
        config = config or DataConfig()
        root = Path(root).expanduser().resolve()
        scan = scan_folder(root)
        mode = _choose_mode(config, sum(len(s.files) for s in scan.styles))
        candidates, problems = _candidates(scan)
        key, readable, unreadable = _cache_key(candidates, config, mode)
        problems.extend(unreadable)
        entry = Path(cache_dir or cache_root() / "datasets") / f"{_safe_name(root.name)}-{key}"
        descriptions = read_descriptions(root / MANIFEST_NAME)
        if not rebuild and (entry / INDEX_NAME).is_file():
            folder = cls._load(root, config, entry, problems, mode)
        else:
            folder = cls._build(root, config, entry, scan, readable, problems, mode)
        folder._apply_descriptions(descriptions)
        return folder

    # -- access ---------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return "lazy" if self._images is None else "memory"

    @property
    def size(self) -> int:
        return self.config.size

    @property
    def style_names(self) -> list[str]:
        return [style.name for style in self.styles]

    @cached_property
    def labels(self) -> torch.Tensor:
        return torch.tensor([r.style_id for r in self.records], dtype=torch.int64)

    @cached_property
    def pairs(self) -> PairIndex:
        return PairIndex.build(self.records)

    @property
    def images(self) -> torch.Tensor:
        """All images as one uint8 tensor (memory mode; lazy mode decodes them all now)."""
        if self._images is None:
            return torch.stack([self.image(i) for i in range(len(self))])
        return self._images

    def indices(self, split: Split) -> list[int]:
        return [i for i, record in enumerate(self.records) if record.split == split]

    def style_id(self, name: str) -> int:
        for style in self.styles:
            if style.name == name:
                return style.id
        raise DatasetError(
            f"unknown style {name!r}; this dataset has: {', '.join(self.style_names)}"
        )

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return self.image(index), self.records[index].style_id

    def image(self, index: int) -> torch.Tensor:
        """`C x H x W` uint8."""
        if self._images is not None:
            return self._images[index]
        record = self.records[index]
        path = self.root / record.path
        try:
            decoded = decode_image(read_bytes(str(path)), self.config)
        except ImageProblem as exc:
            raise DatasetError(
                f"{path} changed since the dataset was indexed: {exc.message}; "
                "fix the file, then reopen the dataset (it re-indexes changed folders)"
            ) from exc
        # Transpose, then copy: canonical strides even for one channel, so a fresh decode and
        # the cache give tensors in the same memory format (and bit-identical training).
        return torch.from_numpy(_to_channels(decoded, self.channels).transpose(2, 0, 1).copy())

    # -- build / load ---------------------------------------------------------------------

    @classmethod
    def _build(
        cls,
        root: Path,
        config: DataConfig,
        entry: Path,
        scan: ScanResult,
        candidates: list[_Candidate],
        problems: list[Problem],
        mode: str,
    ) -> StyleFolder:
        """Decode, drop thin styles, save. Problems found here are cached with the entry."""
        build_problems: list[Problem] = []
        decoded: list[tuple[_Candidate, DecodedImage]] = []
        for candidate, result in zip(candidates, _decode_all(candidates, config), strict=True):
            if isinstance(result, ImageProblem):
                build_problems.append(
                    Problem(candidate.rel, result.kind, result.message, result.fix)
                )
            else:
                decoded.append((candidate, result))
        style_names = _usable_styles(
            root, config, [s.name for s in scan.styles], decoded, build_problems, problems
        )
        style_ids = {name: i for i, name in enumerate(style_names)}
        kept = [(c, d) for c, d in decoded if c.style in style_ids]
        channels = config.channels or (1 if all(d.grey for _, d in kept) else 3)
        records = [
            ImageRecord(
                style_ids[c.style],
                c.stem,
                c.rel,
                split_of(c.stem, config.split_seed, config.val_fraction, config.test_fraction),
                d.source_size,
                d.source_mode,
            )
            for c, d in kept
        ]
        images = None
        if mode == "memory":
            array = np.stack([_to_channels(d, channels) for _, d in kept]).transpose(0, 3, 1, 2)
            images = torch.from_numpy(array.copy())  # canonical strides, as the cache loads
        counts = np.bincount([r.style_id for r in records], minlength=len(style_names))
        styles = [
            StyleInfo(name, i, int(counts[i]), default_description(name))
            for i, name in enumerate(style_names)
        ]
        with atomic_directory(entry, replace=True) as tmp:
            if images is not None:
                save_file(
                    {"images": images, "labels": torch.tensor([r.style_id for r in records])},
                    str(tmp / IMAGES_NAME),
                )
            atomic_write_json(
                tmp / INDEX_NAME,
                {
                    "format": CACHE_FORMAT,
                    "root": str(root),
                    "mode": mode,
                    "config": asdict(config),
                    "channels": channels,
                    "records": [asdict(r) for r in records],
                    "problems": [p.to_dict() for p in build_problems],
                },
            )
            write_manifest(
                tmp / MANIFEST_NAME, styles, root=str(root), size=config.size, channels=channels
            )
        problems = sorted(problems + build_problems, key=lambda p: p.path)
        return cls(root, config, styles, records, problems, channels, images, entry, False)

    @classmethod
    def _load(
        cls, root: Path, config: DataConfig, entry: Path, problems: list[Problem], mode: str
    ) -> StyleFolder:
        index = json.loads((entry / INDEX_NAME).read_text(encoding="utf-8"))
        manifest = json.loads((entry / MANIFEST_NAME).read_text(encoding="utf-8"))
        styles = [StyleInfo(**s) for s in manifest["styles"]]
        records = [
            ImageRecord(
                r["style_id"],
                r["stem"],
                r["path"],
                r["split"],
                tuple(r["source_size"]),
                r["source_mode"],
            )
            for r in index["records"]
        ]
        problems.extend(Problem.from_dict(p) for p in index["problems"])
        problems.sort(key=lambda p: p.path)
        images = load_file(str(entry / IMAGES_NAME))["images"] if mode == "memory" else None
        return cls(root, config, styles, records, problems, index["channels"], images, entry, True)

    def _apply_descriptions(self, descriptions: dict[str, str]) -> None:
        """User descriptions (root styles.json) win over the cached or default ones."""
        updated = [
            StyleInfo(s.name, s.id, s.count, descriptions.get(s.name, s.description))
            for s in self.styles
        ]
        if updated != self.styles:
            self.styles = updated
            write_manifest(
                self.cache_dir / MANIFEST_NAME,
                updated,
                root=str(self.root),
                size=self.config.size,
                channels=self.channels,
            )


def _choose_mode(config: DataConfig, n_files: int) -> str:
    if config.cache != "auto":
        return config.cache
    decoded_mb = n_files * config.size * config.size * 3 / 2**20
    return "memory" if decoded_mb <= config.memory_limit_mb else "lazy"


def _candidates(scan: ScanResult) -> tuple[list[_Candidate], list[Problem]]:
    """Image files to decode; a second file with the same stem in one style is skipped."""
    problems = list(scan.problems)
    candidates: list[_Candidate] = []
    for style in scan.styles:
        seen: dict[str, str] = {}
        for path in style.files:
            rel = path.relative_to(scan.root).as_posix()
            stem = stem_key(path)
            if stem in seen:
                problems.append(
                    Problem(
                        rel,
                        "duplicate-stem",
                        f"same file stem as {seen[stem]}",
                        "rename one: pairing and splits go by file stem",
                    )
                )
                continue
            seen[stem] = rel
            candidates.append(_Candidate(style.name, path, rel, stem))
    return candidates, problems


def _cache_key(
    candidates: list[_Candidate], config: DataConfig, mode: str
) -> tuple[str, list[_Candidate], list[Problem]]:
    """Memory mode hashes every file's bytes; lazy mode (huge folders) their size and mtime."""
    digest = hashlib.blake2b(digest_size=10)
    digest.update(
        f"v{CACHE_FORMAT}|{mode}|{config.key}|split={config.split_seed},"
        f"{config.val_fraction},{config.test_fraction}".encode()
    )
    readable: list[_Candidate] = []
    problems: list[Problem] = []
    for candidate in candidates:
        digest.update(b"\0" + candidate.rel.encode() + b"\0")
        try:
            if mode == "memory":
                data = read_bytes(str(candidate.path))
                digest.update(len(data).to_bytes(8, "big") + data)
            else:
                stat = candidate.path.stat()
                digest.update(f"{stat.st_size},{stat.st_mtime_ns}".encode())
        except ImageProblem as exc:
            problems.append(Problem(candidate.rel, exc.kind, exc.message, exc.fix))
            digest.update(b"unreadable")
            continue
        readable.append(candidate)
    return digest.hexdigest(), readable, problems


def _decode_one(candidate: _Candidate, config: DataConfig) -> DecodedImage | ImageProblem:
    try:
        return decode_image(read_bytes(str(candidate.path)), config)
    except ImageProblem as exc:
        return exc


def _decode_all(
    candidates: list[_Candidate], config: DataConfig
) -> Iterable[DecodedImage | ImageProblem]:
    """Decode in a thread pool: Pillow releases the GIL in its codecs and resamplers."""
    workers = min(8, os.cpu_count() or 1)
    decode: Callable[[_Candidate], DecodedImage | ImageProblem] = lambda c: _decode_one(c, config)  # noqa: E731
    if workers == 1 or len(candidates) < 64:
        return [decode(c) for c in candidates]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(decode, candidates, chunksize=32))


def _usable_styles(
    root: Path,
    config: DataConfig,
    scanned: list[str],
    decoded: list[tuple[_Candidate, DecodedImage]],
    problems: list[Problem],
    earlier: list[Problem],
) -> list[str]:
    """Styles with at least `min_per_style` decodable images, sorted by name.

    Appends a style-level problem to `problems` for each style left out; `earlier` problems
    (from the scan) only feed the error message when nothing is usable.
    """
    counts: dict[str, int] = {}
    for candidate, _ in decoded:
        counts[candidate.style] = counts.get(candidate.style, 0) + 1
    usable = []
    for name in sorted(scanned):
        have = counts.get(name, 0)
        if have >= config.min_per_style:
            usable.append(name)
        elif have == 0:
            problems.append(
                Problem(
                    name,
                    "empty-style",
                    "style folder has no usable image",
                    "add images to it or remove the folder",
                )
            )
        else:
            problems.append(
                Problem(
                    name,
                    "too-few-images",
                    f"style has {have} usable image(s), fewer than "
                    f"--min-per-style {config.min_per_style}",
                    "add images or lower --min-per-style",
                )
            )
    if not usable:
        found = earlier + problems
        detail = "; ".join(p.line() for p in found[:5]) or "the folder has no style folders"
        raise DatasetError(
            f"no usable style in {root}: {detail}. Fix: {LAYOUT_HINT}, with at "
            f"least {config.min_per_style} readable image(s) per style"
        )
    return usable


def _to_channels(decoded: DecodedImage, channels: int) -> np.ndarray:
    pixels = decoded.pixels
    if channels == pixels.shape[2]:
        return pixels
    if channels == 1:
        if decoded.grey:
            return pixels[:, :, :1]
        luma = pixels.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        return np.clip(np.rint(luma), 0, 255).astype(np.uint8)[:, :, None]
    return np.repeat(pixels, 3, axis=2)


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:40] or "dataset"
