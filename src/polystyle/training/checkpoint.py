"""Checkpoints: every piece of training state, without pickles, written atomically.

A checkpoint `step-NNNNNNNN` is two files: `.safetensors` (all tensors: G, D, EMA, optimiser
moments, RNG states) and `.json` (TrainState, optimiser hyper-parameters). Both are written
with temp file + rename, then the `latest` pointer is swapped to them, so a crash at any
moment leaves the previous checkpoint intact and pointed to. Only the last N are kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save

from polystyle.errors import PolystyleError
from polystyle.fileio import atomic_write_bytes, atomic_write_json
from polystyle.training.state import TrainState

FORMAT = 1
LATEST = "latest"


class CheckpointError(PolystyleError):
    """A checkpoint is missing, unreadable or from an incompatible version."""


@dataclass
class Checkpoint:
    """What `Trainer` saves and restores."""

    modules: dict[str, torch.nn.Module]
    optimizers: dict[str, torch.optim.Optimizer]
    generators: dict[str, torch.Generator]
    state: TrainState


def _flatten_optimizer(name: str, optimizer: torch.optim.Optimizer) -> tuple[dict, list]:
    raw = optimizer.state_dict()
    tensors = {
        f"{name}.state.{pid}.{key}": value.detach().contiguous()
        for pid, slots in raw["state"].items()
        for key, value in slots.items()
        if isinstance(value, torch.Tensor)
    }
    return tensors, raw["param_groups"]


def _restore_optimizer(
    name: str, optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], groups: list
) -> None:
    state: dict[int, dict[str, torch.Tensor]] = {}
    prefix = f"{name}.state."
    for key, value in tensors.items():
        if key.startswith(prefix):
            pid, slot = key[len(prefix) :].split(".", 1)
            state.setdefault(int(pid), {})[slot] = value
    for group in groups:
        if isinstance(group.get("betas"), list):
            group["betas"] = tuple(group["betas"])
    optimizer.load_state_dict({"state": state, "param_groups": groups})


def save_checkpoint(folder: Path, ckpt: Checkpoint, keep: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    name = f"step-{ckpt.state.step:08d}"
    tensors: dict[str, torch.Tensor] = {}
    for prefix, module in ckpt.modules.items():
        for key, value in module.state_dict().items():
            tensors[f"{prefix}.{key}"] = value.detach().cpu().contiguous()
    groups: dict[str, Any] = {}
    for prefix, optimizer in ckpt.optimizers.items():
        flat, groups[prefix] = _flatten_optimizer(prefix, optimizer)
        tensors.update({k: v.cpu() for k, v in flat.items()})
    for prefix, generator in ckpt.generators.items():
        tensors[f"rng.{prefix}"] = generator.get_state()
    atomic_write_bytes(folder / f"{name}.safetensors", save(tensors))
    atomic_write_json(
        folder / f"{name}.json",
        {"format": FORMAT, "state": ckpt.state.to_dict(), "optimizer_groups": groups},
    )
    atomic_write_bytes(folder / LATEST, name.encode())
    _prune(folder, keep)
    return folder / f"{name}.safetensors"


def _prune(folder: Path, keep: int) -> None:
    names = sorted(p.stem for p in folder.glob("step-*.json"))
    for stale in names[:-keep]:
        for suffix in (".safetensors", ".json"):
            (folder / f"{stale}{suffix}").unlink(missing_ok=True)


def latest_checkpoint(folder: Path) -> str | None:
    pointer = folder / LATEST
    if not pointer.is_file():
        return None
    name = pointer.read_text().strip()
    return name if (folder / f"{name}.json").is_file() else None


def load_checkpoint(folder: Path, ckpt: Checkpoint, name: str | None = None) -> None:
    """Restore `ckpt`'s modules, optimisers and generators in place, and its state."""
    name = name or latest_checkpoint(folder)
    if name is None:
        raise CheckpointError(
            f"no checkpoint in {folder}; the run was stopped before its first save, so start "
            "it again with `polystyle train`"
        )
    try:
        meta = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        tensors = load_file(str(folder / f"{name}.safetensors"))
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"checkpoint {folder / name} is unreadable ({exc})") from exc
    if meta.get("format") != FORMAT:
        raise CheckpointError(
            f"checkpoint {folder / name} has format {meta.get('format')}, this polystyle reads "
            f"{FORMAT}; resume it with the polystyle version that wrote it"
        )
    for prefix, module in ckpt.modules.items():
        own = {k[len(prefix) + 1 :]: v for k, v in tensors.items() if k.startswith(f"{prefix}.")}
        module.load_state_dict(own)
    for prefix, optimizer in ckpt.optimizers.items():
        _restore_optimizer(prefix, optimizer, tensors, meta["optimizer_groups"][prefix])
    for prefix, generator in ckpt.generators.items():
        generator.set_state(tensors[f"rng.{prefix}"])
    restored = TrainState.from_dict(meta["state"])
    for key, value in restored.to_dict().items():
        setattr(ckpt.state, key, value)
