"""User-facing errors.

Every problem a user can cause (a bad flag, a missing font package, an empty folder) raises a
subclass of `PolystyleError` whose message names the file or flag and the fix. The CLI prints
these as one line and exits with status 2; anything else is a bug and keeps its traceback.
"""


class PolystyleError(Exception):
    """Base class for errors caused by user input or the environment, not by a bug."""


class ConfigError(PolystyleError):
    """A configuration value or flag is invalid."""


class DatasetError(PolystyleError):
    """A dataset folder cannot be used (no usable style, missing root, ...)."""


class MissingDependencyError(PolystyleError):
    """A system package or tool the requested feature needs is not installed."""


class RegistryError(PolystyleError):
    """An unknown key was looked up in a registry."""
