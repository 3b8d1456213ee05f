"""Domain errors: services raise them, views show their (translated) message."""


class DomainError(Exception):
    """A rule was broken. `message` is a lazy translatable string; `field` names the form
    field it belongs to, if any."""

    status_code = 400

    def __init__(self, message, *, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class TooManyAttempts(DomainError):
    status_code = 429

    def __init__(self, message, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
