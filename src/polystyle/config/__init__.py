"""Validated configuration sections. Later issues add model/loss/optim/train sections here."""

from polystyle.config.schema import DataConfig

__all__ = ["DataConfig"]
