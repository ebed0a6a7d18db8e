class ValidationFailed(Exception):
    """The upload itself is at fault: a final state with a reason code, never retried."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class BackboneUnavailable(Exception):
    """No weights to load the backbone from; the job waits until they are uploaded."""
