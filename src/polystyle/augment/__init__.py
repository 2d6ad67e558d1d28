"""Differentiable augmentation applied to every image D sees (real and fake alike)."""

from polystyle.augment.diffaugment import DiffAugment, build_augment

__all__ = ["DiffAugment", "build_augment"]
