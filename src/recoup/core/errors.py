"""Errors the interfaces know how to show: each carries a message meant for a person."""


class RecoupError(Exception):
    """Base of errors caused by the user's input or the state of the data, never by a bug."""


class MoneyError(RecoupError, ValueError):
    pass


class NotFoundError(RecoupError):
    pass


class AccessDeniedError(RecoupError):
    pass


class InputDateError(RecoupError, ValueError):
    """A date a person typed or a file holds that is not on the calendar or outside the years
    Recoup handles. `reason` reads without the name of the field, for messages that say it
    already (argparse's "argument --as-of:", a plan file's "line 3: cycle.starts_on:")."""

    def __init__(self, what: str, reason: str) -> None:
        self.what = what
        self.reason = reason
        super().__init__(f"{what}: {reason}")
