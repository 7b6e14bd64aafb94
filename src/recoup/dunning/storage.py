"""Where letters and the print room's run files are kept: under the data directory, beside the
database, never in a public static folder (a letter names a debtor and what they owe)."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def letters_storage() -> FileSystemStorage:
    return FileSystemStorage(location=settings.DATA_DIR / "dunning")
