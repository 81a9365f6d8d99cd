"""Exceptions raised by sgt-lite.

Every exception derives from :class:`SgtLiteError` and also from the built-in
kind that fits, so callers may catch either::

    >>> from sgt_lite.errors import BadAudioError, SgtLiteError
    >>> issubclass(BadAudioError, ValueError) and issubclass(BadAudioError, SgtLiteError)
    True
"""


class SgtLiteError(Exception):
    """Base class of every error raised by sgt-lite."""


class BadAudioError(SgtLiteError, ValueError):
    """Audio of the wrong type, shape, sample rate or content."""


class ConfigError(SgtLiteError, ValueError):
    """A configuration value (frontend, head profile, bundle config) is invalid."""


class BackendUnavailableError(SgtLiteError, ImportError):
    """The requested compute backend (C extension, LiteRT, onnxruntime) is not installed."""


class ModelFileError(SgtLiteError, OSError):
    """A model, bundle or track file is missing, truncated or corrupted."""


class DataFormatError(SgtLiteError, ValueError):
    """A motion-capture or track file does not have the expected layout."""


class TimingError(SgtLiteError, ValueError):
    """A timestamp that is not finite, runs backwards, or lies beyond the clock's range."""
