"""Architectures, one file each; importing this package registers them in ARCHITECTURES."""

from polystyle.models import dcgan, stargan_lite, stylegan_lite
from polystyle.models.base import build_generator, one_hot
from polystyle.models.discriminator import Discriminator, DiscriminatorConfig

__all__ = [
    "Discriminator",
    "DiscriminatorConfig",
    "build_generator",
    "dcgan",
    "one_hot",
    "stargan_lite",
    "stylegan_lite",
]
