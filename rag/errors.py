"""The few errors a user can cause or fix. The CLI and UI turn them into one-line messages.

Knows nothing about the stages that raise them.
"""


class RagError(Exception):
    """A problem the user can act on; its message is shown as is, without a traceback."""


class ArticleError(RagError):
    """An article file could not be read or holds no text."""


class ConfigError(RagError):
    """A setting, a config file or a command-line value is invalid."""


class ModelError(RagError):
    """A model could not be found, assembled, verified or loaded."""


class StoreError(RagError):
    """The vector store is missing, empty or was built with another embedder."""


class InputError(RagError):
    """A question or an upload is empty, too large or of a type we do not accept."""
