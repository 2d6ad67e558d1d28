"""Data layer: style folders in, cached uint8 tensors, splits, pairs and a skip report out."""

from polystyle.data.folder import ImageRecord, StyleFolder
from polystyle.data.manifest import StyleInfo
from polystyle.data.pairing import PairIndex
from polystyle.data.report import Problem

__all__ = ["ImageRecord", "PairIndex", "Problem", "StyleFolder", "StyleInfo"]
