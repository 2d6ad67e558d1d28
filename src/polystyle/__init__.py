"""polystyle: style-diverse image generation with GANs."""

from polystyle.errors import ConfigError, DatasetError, PolystyleError

__version__ = "0.1.0"

__all__ = ["ConfigError", "DatasetError", "PolystyleError", "__version__"]
