"""A logging filter that masks anything that looks like a personnummer.

Installed on every handler (LOGGING in settings names it for the console handler, and
`install_on_all_handlers` adds it to every handler configured by then, Django's mail_admins
included), so a personnummer in a message, its arguments or a traceback never reaches a log
file or an e-mail. It masks generously: any 10 or 12 digits shaped like a date plus four
digits, with or without a separator, become the date part and ``-****``.
"""

import logging
import re

from django.utils.log import AdminEmailHandler

# 6 or 8 digits, an optional - or +, 4 digits, not inside a longer run of digits.
PERSONNUMMER_RE = re.compile(r"(?<![0-9])([0-9]{6}(?:[0-9]{2})?)[-+]?[0-9]{4}(?![0-9])")


def mask_text(text: str) -> str:
    return PERSONNUMMER_RE.sub(lambda m: f"{m.group(1)}-****", text)


class PersonnummerMaskFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must still be logged
            message = str(record.msg)
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


class MaskingAdminEmailHandler(AdminEmailHandler):
    """Django's error e-mail, masked as a whole: its report also holds the request's GET and
    POST data and the traceback's local variables, which the record filter does not see."""

    def send_mail(self, subject, message, *args, **kwargs):
        if kwargs.get("html_message"):
            kwargs["html_message"] = mask_text(kwargs["html_message"])
        super().send_mail(mask_text(subject), mask_text(message), *args, **kwargs)


def _masking_email_handler(handler: AdminEmailHandler) -> MaskingAdminEmailHandler:
    masking = MaskingAdminEmailHandler(
        include_html=handler.include_html,
        email_backend=handler.email_backend,
        reporter_class=handler.reporter_class.__module__ + "." + handler.reporter_class.__name__,
    )
    masking.setLevel(handler.level)
    masking.setFormatter(handler.formatter)
    for f in handler.filters:
        masking.addFilter(f)
    return masking


def install_on_all_handlers() -> None:
    """Add the filter to every handler of the root logger and of every named logger, and make
    Django's error e-mails masked too."""
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for i, handler in enumerate(list(logger.handlers)):
            if type(handler) is AdminEmailHandler:
                logger.handlers[i] = handler = _masking_email_handler(handler)
            if not any(isinstance(f, PersonnummerMaskFilter) for f in handler.filters):
                handler.addFilter(PersonnummerMaskFilter())
