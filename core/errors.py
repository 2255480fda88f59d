"""Errors that carry a plain-language message for ops staff and the next step to take."""


class StoreConnectError(Exception):
    """Base class: `str(error)` is safe to show a user; it never contains a secret."""

    def __init__(self, message: str, fix: str = ""):
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message} {self.fix}".strip()


class ConfigError(StoreConnectError):
    """A configuration variable has a value we cannot use."""

    def __init__(self, variable: str, message: str, fix: str = ""):
        super().__init__(f"{variable}: {message}", fix)
        self.variable = variable


class NotFound(StoreConnectError):
    pass


class ValidationFailed(StoreConnectError):
    pass


class Conflict(StoreConnectError):
    """Someone else changed the record since it was read."""


class DatabaseBusy(StoreConnectError):
    """The database stayed locked by someone else longer than we wait; nothing was changed. Try again."""


class CannotWrite(StoreConnectError):
    """The disk is full or read-only (the database, or a file being written); nothing was half-written."""
