class ValidationFailed(Exception):
    """The upload itself is at fault: a final state with a reason code, never retried."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class BackboneUnavailable(Exception):
    """This worker cannot load the backbone: no weights uploaded yet (the job waits for them), or too large."""

    def __init__(self, message, code="backbone_unavailable"):
        super().__init__(message)
        self.code = code
