"""The model folder users share: `model.json` + safetensors, no pickled code.

model.json: format version, package + version, architecture key and its config, the style
table (name, description), image size and channels. `generator.safetensors` is the EMA
generator (mapping network and per-style mean codes included); `encoder.safetensors` (optional)
is the style encoder for reference images; `discriminator.safetensors` is optional and kept
for fine-tuning.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save

from polystyle import __version__
from polystyle.errors import PolystyleError
from polystyle.fileio import atomic_directory, atomic_write_bytes, atomic_write_json
from polystyle.models.base import StyleGenerator, build_generator
from polystyle.models.discriminator import Discriminator, DiscriminatorConfig
from polystyle.models.encoder import StyleEncoder, StyleEncoderConfig
from polystyle.models.stargan_lite import StarGANLite
from polystyle.registry import ARCHITECTURES

MODEL_FORMAT = 1
MODEL_JSON = "model.json"
GENERATOR_FILE = "generator.safetensors"
DISCRIMINATOR_FILE = "discriminator.safetensors"
ENCODER_FILE = "encoder.safetensors"


class ModelFolderError(PolystyleError):
    """The folder is not a polystyle model, or from an incompatible format."""


def _state_bytes(module: torch.nn.Module) -> bytes:
    return save({k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()})


def save_model_folder(
    path: Path,
    architecture: str,
    generator: StyleGenerator | torch.nn.Module,
    styles: list[dict[str, str]],
    discriminator: Discriminator | None = None,
    extra: dict[str, Any] | None = None,
    encoder: StyleEncoder | None = None,
) -> Path:
    meta = {
        "format_version": MODEL_FORMAT,
        "package": "polystyle",
        "package_version": __version__,
        "kind": getattr(generator, "kind", "synthesis"),
        "architecture": architecture,
        "config": generator.config.to_dict(),
        "styles": styles,
        "image": {"size": generator.config.size, "channels": generator.config.channels},
        **(extra or {}),
    }
    if discriminator is not None:
        meta["discriminator"] = discriminator.config.to_dict()
    if encoder is not None:
        meta["encoder"] = encoder.config.to_dict()
    with atomic_directory(path, replace=True) as tmp:
        atomic_write_bytes(tmp / GENERATOR_FILE, _state_bytes(generator))
        if encoder is not None:
            atomic_write_bytes(tmp / ENCODER_FILE, _state_bytes(encoder))
        if discriminator is not None:
            atomic_write_bytes(tmp / DISCRIMINATOR_FILE, _state_bytes(discriminator))
        atomic_write_json(tmp / MODEL_JSON, meta)
    return path


def read_model_json(path: Path) -> dict[str, Any]:
    meta_path = Path(path) / MODEL_JSON
    if not meta_path.is_file():
        raise ModelFolderError(
            f"{path} is not a polystyle model folder (no {MODEL_JSON}); pass the folder "
            "written by `polystyle train` or `polystyle export RUN`"
        )
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("format_version") != MODEL_FORMAT:
        raise ModelFolderError(
            f"{meta_path} has format_version {meta.get('format_version')}; this polystyle "
            f"({__version__}) reads format {MODEL_FORMAT}. Re-export the model with "
            "`polystyle export RUN` using this version, or install the version that wrote it "
            f"({meta.get('package_version', 'unknown')})"
        )
    return meta


def load_generator(path: Path, device: torch.device | str = "cpu") -> tuple[StyleGenerator, dict]:
    meta = read_model_json(path)
    _expect_kind(path, meta, "synthesis")
    generator = build_generator(meta["architecture"], meta["config"])
    generator.load_state_dict(load_file(str(Path(path) / GENERATOR_FILE)))
    return generator.to(device).eval().requires_grad_(False), meta


def load_translator(path: Path, device: torch.device | str = "cpu") -> tuple[StarGANLite, dict]:
    meta = read_model_json(path)
    _expect_kind(path, meta, "translation")
    cls = ARCHITECTURES.get(meta["architecture"])
    translator = cls(cls.Config.from_dict(meta["config"]))
    translator.load_state_dict(load_file(str(Path(path) / GENERATOR_FILE)))
    return translator.to(device).eval().requires_grad_(False), meta


def _expect_kind(path: Path, meta: dict[str, Any], kind: str) -> None:
    found = meta.get("kind", "synthesis")
    if found != kind:
        use = (
            "`polystyle transfer` / TranslationPipeline"
            if found == "translation"
            else "`polystyle generate` / SynthesisPipeline"
        )
        raise ModelFolderError(f"{path} holds a {found} model, not a {kind} model; use {use}")


def load_encoder(path: Path, device: torch.device | str = "cpu") -> StyleEncoder | None:
    """The style encoder of a model folder, or None for models trained without one."""
    meta = read_model_json(path)
    file = Path(path) / ENCODER_FILE
    if "encoder" not in meta or not file.is_file():
        return None
    encoder = StyleEncoder(StyleEncoderConfig.from_dict(meta["encoder"]))
    encoder.load_state_dict(load_file(str(file)))
    return encoder.to(device).eval().requires_grad_(False)


def load_discriminator(path: Path) -> Discriminator | None:
    meta = read_model_json(path)
    file = Path(path) / DISCRIMINATOR_FILE
    if "discriminator" not in meta or not file.is_file():
        return None
    discriminator = Discriminator(DiscriminatorConfig(**meta["discriminator"]))
    discriminator.load_state_dict(load_file(str(file)))
    return discriminator
