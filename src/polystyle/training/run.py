"""A training run on disk: `runs/<id>/` with the resolved config, checkpoints and reports.

`start_run` creates the folder and trains; `resume_run` reopens it from `config.yaml` and
`run.json` (where the data is) and continues from the latest checkpoint. Both end by writing
the model folder `runs/<id>/model/`.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TextIO

import yaml

from polystyle import __version__
from polystyle.augment import build_augment
from polystyle.config.run import RunConfig, apply_overrides, load_preset, resolve_preset
from polystyle.data import StyleFolder
from polystyle.data.resolve import resolve_root
from polystyle.devices import pick_device
from polystyle.errors import ConfigError, PolystyleError
from polystyle.fileio import atomic_write_bytes, atomic_write_json
from polystyle.losses import get_loss
from polystyle.registry import ARCHITECTURES
from polystyle.training.trainer import Trainer
from polystyle.training.translation import TranslationTrainer, is_translation

CONFIG_FILE = "config.yaml"
RUN_FILE = "run.json"


@dataclass
class RunResult:
    run_dir: Path
    model_dir: Path
    reason: str
    step: int
    kimg: float


def build_config(
    preset: str,
    overrides: list[str],
    device: str,
    seed: int | None,
    minutes: float | None,
    kimg: float | None,
) -> RunConfig:
    raw = load_preset(resolve_preset(preset, str(pick_device(device))))
    flags = [f"train.device={device}"]
    if seed is not None:
        flags.append(f"train.seed={seed}")
    if minutes is not None:
        flags.append(f"train.minutes={minutes}")
    if kimg is not None:
        flags.append(f"train.kimg={kimg}")
    return RunConfig.from_dict(apply_overrides(raw, flags + list(overrides)))


def check_components(config: RunConfig) -> None:
    """Fail on an unknown architecture, loss or augmentation before anything is written."""
    ARCHITECTURES.get(config.model.architecture)
    get_loss(config.loss.name)
    build_augment(config.augment)


def make_trainer(
    config: RunConfig, folder: StyleFolder, run_dir: Path, stream: TextIO | None = None
) -> Trainer:
    """The synthesis Trainer, or the TranslationTrainer for a translation architecture."""
    cls = TranslationTrainer if is_translation(config.model.architecture) else Trainer
    return cls(config, folder, run_dir, stream)


def _run_id(data: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(data).name or data)[:40]
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{name}"


def start_run(
    data: str,
    config: RunConfig,
    out: Path,
    name: str | None = None,
    stream: TextIO | None = None,
    max_steps: int | None = None,
) -> RunResult:
    check_components(config)
    root = resolve_root(data, config.data.size)
    folder = StyleFolder.open(root, config.data)
    run_dir = Path(out) / (name or _run_id(data))
    if (run_dir / RUN_FILE).exists():
        raise PolystyleError(
            f"{run_dir} already holds a run; continue it with `polystyle resume {run_dir}` "
            "or choose another --name"
        )
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(run_dir / CONFIG_FILE, config.to_yaml().encode())
    atomic_write_json(
        run_dir / RUN_FILE,
        {
            "data": str(root),
            "requested_data": data,
            "created": time.time(),
            "polystyle": __version__,
            "styles": folder.style_names,
        },
    )
    trainer = make_trainer(config, folder, run_dir, stream)
    _report_problems(folder, trainer)
    trainer.progress.message(
        f"run {run_dir}: {len(folder.styles)} styles, {len(trainer.images)} training images "
        f"at {folder.size} px, {config.model.architecture}, device {trainer.device}"
    )
    return _finish(trainer, max_steps)


def resume_run(
    run_dir: Path,
    overrides: list[str] | None = None,
    stream: TextIO | None = None,
    max_steps: int | None = None,
) -> RunResult:
    run_dir = Path(run_dir)
    config, folder = _open_run(run_dir, overrides or [])
    atomic_write_bytes(run_dir / CONFIG_FILE, config.to_yaml().encode())
    trainer = make_trainer(config, folder, run_dir, stream)
    trainer.resume()
    trainer.progress.message(
        f"resumed {run_dir} at step {trainer.state.step} ({trainer.state.kimg:.1f} kimg)"
    )
    return _finish(trainer, max_steps)


# Train settings a resume may change: how long to train and how often to report or save.
RESUMABLE_TRAIN_KEYS = (
    "kimg",
    "minutes",
    "log_every",
    "sample_every",
    "checkpoint_every",
    "checkpoint_minutes",
    "keep_checkpoints",
)


def _fixed_train_settings(config: RunConfig) -> dict[str, object]:
    return {k: v for k, v in asdict(config.train).items() if k not in RESUMABLE_TRAIN_KEYS}


def _check_resume_overrides(before: RunConfig, after: RunConfig) -> None:
    """Only how long and how verbosely to train may change on resume."""
    for section in ("data", "model", "loss", "augment"):
        if getattr(before, section) != getattr(after, section):
            raise ConfigError(
                f"--set cannot change {section}.* when resuming (the checkpoint depends on it); "
                "start a new run, or fine-tune later"
            )
    if _fixed_train_settings(before) != _fixed_train_settings(after):
        raise ConfigError(
            "when resuming, --set may change only train.kimg, train.minutes and "
            "the logging, sampling and checkpoint intervals"
        )


def _report_problems(folder: StyleFolder, trainer: Trainer) -> None:
    if folder.problems:
        trainer.progress.message(
            f"{len(folder.problems)} file(s) skipped; see `polystyle datasets inspect` for the list"
        )


def _finish(trainer: Trainer, max_steps: int | None) -> RunResult:
    reason = trainer.fit(max_steps=max_steps)
    model_dir = trainer.export(trainer.run_dir / "model")
    trainer.event("export", path=str(model_dir))
    trainer.progress.message(f"model folder: {model_dir}")
    return RunResult(trainer.run_dir, model_dir, reason, trainer.state.step, trainer.state.kimg)


def _open_run(run_dir: Path, overrides: list[str]) -> tuple[RunConfig, StyleFolder]:
    """The config and dataset of an existing run folder, checked against each other."""
    if not (run_dir / CONFIG_FILE).is_file() or not (run_dir / RUN_FILE).is_file():
        raise PolystyleError(
            f"{run_dir} is not a polystyle run folder (no {CONFIG_FILE} / {RUN_FILE}); pass "
            "the folder `polystyle train` printed"
        )
    raw = yaml.safe_load((run_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    config = RunConfig.from_dict(apply_overrides(raw, overrides))
    _check_resume_overrides(RunConfig.from_dict(raw), config)
    info = json.loads((run_dir / RUN_FILE).read_text(encoding="utf-8"))
    folder = StyleFolder.open(info["data"], config.data)
    if folder.style_names != info["styles"]:
        raise PolystyleError(
            f"the styles in {info['data']} changed since this run started "
            f"({info['styles']} -> {folder.style_names}); restore the folder or start a new run"
        )
    return config, folder


def export_run(run_dir: Path, out: Path | None = None) -> Path:
    """Write the model folder from the run's latest checkpoint."""
    run_dir = Path(run_dir)
    config, folder = _open_run(run_dir, [])
    trainer = make_trainer(config, folder, run_dir)
    trainer.resume()
    return trainer.export(out or run_dir / "model")
