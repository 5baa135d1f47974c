"""How the command ends: its documented exit statuses, and errors worded for a person at
a terminal (flags, not Python arguments)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTHENTICATION = 3
EXIT_VALIDATION = 4
EXIT_CREDIT = 5
EXIT_CONNECTION = 6
EXIT_OUTCOME_UNKNOWN = 7
EXIT_JOURNAL = 8
EXIT_INTERRUPTED = 130

# The SDK's words for its arguments, and the command's for the same thing.
_FLAGS = [
    ("pass api_key=... or set", "pass --api-key-file PATH or set"),
    (" Use https, or pass allow_insecure_http=True.", " Use https."),
    ("chunk_size", "--chunk-size"),
    ("concurrency must", "--concurrency must"),
    ("max_rate", "--rate"),
    ("lease must", "--lease must"),
    ("campaign= is required", "--campaign is required"),
    ("campaign must", "--campaign must"),
    ("page_size", "--page-size"),
    ("base_url", "--base-url"),
    ("timeout must", "--timeout must"),
]


class Failed(Exception):
    """A command's own failure (not the API's): printed as one line, with its status."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status


def for_a_person(text: str) -> str:
    for python, flag in _FLAGS:
        text = text.replace(python, flag)
    return text


def exit_status(error: BaseException) -> int:
    """The documented exit status for an SDK error."""
    from speedpayamak import errors

    if isinstance(error, errors.BulkSendError):
        if error.result.unknown:
            return EXIT_OUTCOME_UNKNOWN
        return exit_status(error.__cause__) if error.__cause__ else EXIT_API_ERROR
    table: list[tuple[type[BaseException], int]] = [
        (errors.InvalidRequestError, EXIT_USAGE),
        (errors.JournalError, EXIT_JOURNAL),
        (errors.AuthenticationError, EXIT_AUTHENTICATION),
        (errors.ValidationError, EXIT_VALIDATION),
        (errors.InsufficientCreditError, EXIT_CREDIT),
        (errors.OutcomeUnknownError, EXIT_OUTCOME_UNKNOWN),
        (errors.APIConnectionError, EXIT_CONNECTION),
    ]
    return next((status for kind, status in table if isinstance(error, kind)), EXIT_API_ERROR)
