"""The exceptions a user can hit.

Every error that a user's input can cause (a bad path, a corrupt file, a wrong
shape, an unknown model, an out-of-range option, a non-finite loss) is a
`PixelforgeError`: its message names the thing and what was expected, and the
CLI prints it without a traceback and exits non-zero.
"""


class PixelforgeError(Exception):
    """Base class of every user-facing pixelforge error."""


class DataError(PixelforgeError):
    """A dataset file or folder is missing, unreadable, corrupt or inconsistent."""


class ConfigError(PixelforgeError):
    """An option, override or model name is unknown or out of range."""


class CheckpointError(PixelforgeError):
    """A checkpoint is missing, incomplete or does not match its model."""


class TrainingError(PixelforgeError):
    """Training cannot go on (for example, the loss became NaN or infinite)."""
