"""A start collects the static files when they changed, and serves what is there when not."""

from __future__ import annotations

import os
from pathlib import Path

from pytest_django.fixtures import Settings

from recoup.core.static_files import STAMP, static_collect


def _settings(settings: Settings, tmp_path: Path) -> Path:
    source = tmp_path / "source"
    source.mkdir()
    (source / "site.css").write_text("body { color: #111; }\n")
    settings.STATICFILES_DIRS = [str(source)]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = str(tmp_path / "static")
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    return source


def test_a_start_collects_once_then_again_only_after_a_file_changed(
    settings: Settings, tmp_path: Path
) -> None:
    source = _settings(settings, tmp_path)
    root = tmp_path / "static"
    assert static_collect() is True
    hashed = sorted(p.name for p in root.glob("site.*.css"))
    assert len(hashed) == 1
    assert (root / STAMP).is_file()
    assert static_collect() is False  # nothing changed: what is collected is served

    (source / "site.css").write_text("body { color: #222; }\n")
    os.utime(source / "site.css", ns=(1, 1))  # a different time as well as a different size
    assert static_collect() is True
    assert len(list(root.glob("site.*.css"))) == 2  # the new version beside the old

    (root / "staticfiles.json").unlink()  # a collection cut short: collected again
    assert static_collect() is True
