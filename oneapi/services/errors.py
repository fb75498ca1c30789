"""The one exception the services layer raises for logical failures (shown to the caller as is)."""


class ServiceError(Exception):
    """A request that cannot be carried out; ``message`` is safe to show to the user (no secrets)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
