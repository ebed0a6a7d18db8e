class DeltaCenterError(Exception):
    """Base class: every error the client raises on purpose has a message a person can act on."""


class HubError(DeltaCenterError):
    """The hub answered with an error."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{message} [{code}]")
        self.code = code
        self.message = message
        self.status = status


class BackboneMismatchError(DeltaCenterError):
    """The model given is not the backbone the delta was trained on."""


class IntegrityError(DeltaCenterError):
    """Downloaded bytes do not match their sha256."""
