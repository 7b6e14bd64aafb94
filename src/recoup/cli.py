"""The `recoup` console script: the single entry point for every command.

Recoup's own commands (serve, worker, import, demo-data, kpi, ...) and Django's (migrate,
createsuperuser, ...) are all management commands; hyphenated names map to their module names.
"""

from __future__ import annotations

import os
import sys

import django
from django.core.exceptions import ImproperlyConfigured
from django.core.management import ManagementUtility, get_commands

RECOUP_APPS_PREFIX = "recoup."


class RecoupUtility(ManagementUtility):
    def main_help_text(self, commands_only: bool = False) -> str:
        commands = get_commands()
        if commands_only:
            return "\n".join(sorted(_public_name(name) for name in commands))
        own = sorted(n for n, app in commands.items() if app.startswith(RECOUP_APPS_PREFIX))
        django = sorted(n for n, app in commands.items() if not app.startswith(RECOUP_APPS_PREFIX))
        lines = [
            "Usage: recoup <command> [options]",
            "",
            "Recoup commands:",
            *(f"  {_public_name(n)}" for n in own),
            "",
            "Django commands:",
            "  " + ", ".join(django),
            "",
            "Run 'recoup <command> --help' for a command's options.",
            "Configuration comes from the environment: DATABASE_URL (default: embedded SQLite",
            "at var/recoup.sqlite3), RECOUP_SECRET_KEY, RECOUP_BASE_CURRENCY, RECOUP_DEBUG and",
            "the others in the README's Configuration table.",
        ]
        return "\n".join(lines)


def _public_name(module_name: str) -> str:
    """Recoup's own commands are spelled with hyphens on the command line (demo-data)."""
    app = get_commands().get(module_name, "")
    return module_name.replace("_", "-") if app.startswith(RECOUP_APPS_PREFIX) else module_name


# A configuration mistake is the operator's to fix, not a bug: sysexits' EX_CONFIG.
EXIT_CONFIG = 78


def main(argv: list[str] | None = None) -> None:
    try:
        _run(argv)
    except ImproperlyConfigured as error:
        # One line naming the variable beats a traceback through Django's settings loader.
        print(f"recoup: configuration error: {error}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)


def _run(argv: list[str] | None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recoup.settings")
    args = list(sys.argv if argv is None else argv)
    args[0] = "recoup"
    django.setup()
    if len(args) > 1 and "-" in args[1] and not args[1].startswith("-"):
        module_name = args[1].replace("-", "_")
        if get_commands().get(module_name, "").startswith(RECOUP_APPS_PREFIX):
            args[1] = module_name
    RecoupUtility(args).execute()


if __name__ == "__main__":
    main()
