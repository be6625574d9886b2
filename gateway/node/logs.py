"""structlog setup: JSON lines when not on a terminal, readable output when on one.
Log events carry ids and counts, never plates, tokens or keys."""

from __future__ import annotations

import logging
import sys

import structlog


def configure_logging(level: str = "info") -> None:
    # The console renderer prints tracebacks itself; JSON lines need them turned into
    # a field first, or `log.exception` records that something failed but not where.
    # Tracebacks name code and exception texts, which by design never carry a plate;
    # local variables would (a parser failing with the read in scope), and structlog's
    # rich tracebacks show them by default: never here.
    on_terminal = sys.stderr.isatty()
    renderer = (
        structlog.dev.ConsoleRenderer(
            colors=False,
            exception_formatter=structlog.dev.RichTracebackFormatter(show_locals=False),
        )
        if on_terminal
        else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            *([] if on_terminal else [structlog.processors.format_exc_info]),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
