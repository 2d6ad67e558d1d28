"""Validated configuration: sections (data, model, loss, optim, augment, train) and presets."""

from polystyle.config.run import RunConfig, load_run_config, preset_names
from polystyle.config.schema import DataConfig

__all__ = ["DataConfig", "RunConfig", "load_run_config", "preset_names"]
