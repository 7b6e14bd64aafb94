"""Errors the interfaces know how to show: each carries a message meant for a person."""


class RecoupError(Exception):
    """Base of errors caused by the user's input or the state of the data, never by a bug."""


class MoneyError(RecoupError, ValueError):
    pass


class NotFoundError(RecoupError):
    pass


class AccessDeniedError(RecoupError):
    pass
