class ValidationFailed(Exception):
    """The upload itself is at fault: a final state with a reason code, never retried."""

    def __init__(self, code: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message  # published on the job: written by the hub, never a library's error text
        self.detail = detail  # for the staff-only log


class BackboneUnavailable(Exception):
    """This worker cannot load the backbone: no weights uploaded yet (the job waits for them), or too large."""

    def __init__(self, message: str, code: str = "backbone_unavailable") -> None:
        super().__init__(message)
        self.code = code
