"""Static files collected once per change, not once per start.

`collectstatic` with hashed, compressed copies takes tens of seconds (it hashes and compresses
every file again, changed or not). A digest of what the finders find (each file's path, size and
modification time, and the storage) is kept beside the collected files; a start whose digest is
the same serves what is there.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command

STAMP = ".recoup-collected"


def static_digest() -> str:
    """What a collection would read: the storage, and every source file found, in order."""
    found: list[str] = []
    for finder in get_finders():
        for path, storage in finder.list([]):
            info = Path(storage.path(path)).stat()
            found.append(
                f"{getattr(storage, 'prefix', '') or ''}/{path}\0{info.st_size}\0{info.st_mtime_ns}"
            )
    digest = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    for line in sorted(found):
        digest.update(line.encode() + b"\n")
    return digest.hexdigest()


def static_collect() -> bool:
    """Collects the static files unless what is collected is current; True when it collected."""
    root = Path(settings.STATIC_ROOT)
    digest = static_digest()
    stamp = root / STAMP
    if stamp.is_file() and stamp.read_text() == digest and (root / "staticfiles.json").is_file():
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(digest)
    return True
