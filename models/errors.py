"""Domain exceptions that handlers turn into friendly replies."""


class DomainError(Exception):
    """A rule of the domain refused the action."""


class NotFound(DomainError):
    """The thing a button or command points at does not exist (any more)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
        self.what = what


class NotAllowed(DomainError):
    """The person may not do this; authority is always checked on the server."""
