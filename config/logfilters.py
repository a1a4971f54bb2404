"""Logging filters of the project wiring.

`ClientErrorWithoutTraceback`: Django logs a refused or missing page (403, 404 and the other
4xx answers) as a warning on django.request, with the PermissionDenied or Http404 as
`exc_info`, so every refusal wrote a whole traceback to the error log. The answer is the
expected one, so the filter keeps one line (the message) and drops the traceback; a 5xx keeps
everything. Installed on every handler before the personnummer mask (config/settings.py).
"""

import logging


class ClientErrorWithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
            try:
                message = record.getMessage()
            except Exception:  # a broken format string must still be logged
                message = str(record.msg)
            record.msg = " ".join(message.splitlines())
            record.args = None
        return True
