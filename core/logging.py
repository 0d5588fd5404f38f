"""Logging filters for the server's console."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """A refused request (4xx: 403, 404, …) is the client's error, not the server's: log its
    one line and leave out the traceback Django attaches to PermissionDenied and friends."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
