"""Domain errors that carry their HTTP status, so the API answers them without importing the
code that raises them."""


class PreconditionFailed(Exception):
    """A write refused because what it was based on changed since it was read (HTTP 412).
    The API answers `{"detail": message, **data}`."""

    status_code = 412

    def __init__(self, message: str, **data: object):
        super().__init__(message)
        self.data = data


class Conflict(Exception):
    """A write refused because of the state of other records, which must change first (HTTP
    409), such as removing a tag that annotations still use. The API answers
    `{"detail": message}`."""

    status_code = 409


class PreconditionRequired(Exception):
    """A write to a versioned object that did not say which version it was based on
    (HTTP 428): without one, two people's edits would silently overwrite each other. The
    API answers `{"detail": message}`."""

    status_code = 428
