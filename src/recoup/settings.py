"""Django settings, read from the environment (see README "Configuration")."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor  # type: ignore[import-untyped]

from recoup.core.currencies import MINOR_UNIT_EXPONENT
from recoup.core.env import (
    env_bool,
    env_choice,
    env_float,
    env_header,
    env_int,
    env_list,
    env_secret,
    env_str,
    env_time_zone,
)
from recoup.core.errors import MoneyError
from recoup.core.money import Money

# The working directory holds var/ (embedded database, analytics cache, reports), so one
# checkout or one deployment directory is one Recoup instance.
DATA_DIR = Path(env_str("RECOUP_DATA_DIR", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("RECOUP_DEBUG", False)
_secret = env_secret("RECOUP_SECRET_KEY")
if not _secret:
    # Without a configured key, keep one per instance on disk so sessions survive restarts;
    # it is created on first use, never committed.
    _key_file = DATA_DIR / "secret_key"
    if _key_file.exists():
        _secret = _key_file.read_text().strip()
    else:
        import secrets

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        _secret = secrets.token_urlsafe(50)
        _key_file.write_text(_secret)
        _key_file.chmod(0o600)
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list("RECOUP_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("RECOUP_CSRF_TRUSTED_ORIGINS", [])

BASE_CURRENCY = env_choice(
    "RECOUP_BASE_CURRENCY",
    "USD",
    MINOR_UNIT_EXPONENT,
    meaning="an ISO 4217 currency code such as USD or EUR",
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    # Serves Swagger UI for /api/docs from its own static files, not from a CDN.
    "ninja",
    "recoup.core",
    "recoup.accounts",
    "recoup.notifications",
    "recoup.ledger",
    "recoup.ingest",
    "recoup.metrics",
    "recoup.okrs",
    "recoup.compliance",
    "recoup.workspace",
    "recoup.worklist",
    "recoup.dunning",
    "recoup.placements",
    "recoup.reports",
    "recoup.demo",
    "recoup.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "recoup.core.middleware.NulTextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "recoup.web.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "recoup.urls"
WSGI_APPLICATION = "recoup.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "recoup.web.context_processors.navigation",
                "recoup.web.context_processors.access",
            ],
        },
    },
]

EMBEDDED_DATABASE = DATA_DIR / "recoup.sqlite3"
# The URL may hold a password: messages about it name its scheme only.
DATABASE_URL = env_secret("DATABASE_URL") or f"sqlite:///{EMBEDDED_DATABASE}"
_DATABASE_URL_EXPECTED = "DATABASE_URL must be a sqlite:/// or postgres:// URL"
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
except ValueError:
    raise ImproperlyConfigured(
        f"{_DATABASE_URL_EXPECTED}; got one starting {DATABASE_URL.partition(':')[0]!r}"
    ) from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        # WAL lets the web server read while an import or the worker writes; IMMEDIATE takes the
        # write lock at BEGIN so two writers queue instead of failing with "database is locked".
        # Imports hold it only for their final merge (docs/decisions/0015), so the timeout is
        # how long a write may queue behind the longest merge before it fails.
        "transaction_mode": "IMMEDIATE",
        "timeout": env_float("RECOUP_SQLITE_BUSY_TIMEOUT", 30.0, minimum=1, maximum=600),
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA temp_store=FILE; PRAGMA cache_size=-65536;"
        ),
    }
    if _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # A connection kept by each server thread: opening one (and its pragmas) was a tenth of
        # a cached page's time. Autocommit leaves no transaction open between requests.
        _db["CONN_MAX_AGE"] = env_int("RECOUP_SQLITE_CONN_MAX_AGE", 300, minimum=0, maximum=86400)
        _db["CONN_HEALTH_CHECKS"] = True
elif _db["ENGINE"] not in {"django.db.backends.postgresql"}:
    raise ImproperlyConfigured(
        f"{_DATABASE_URL_EXPECTED}; got one for {_db['ENGINE'].rpartition('.')[2]}"
    )
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:login"
# Log-in throttling: this many failures for one username from one address within the window
# lock that pair out until the oldest failure leaves the window; at most this many passwords are
# checked in the window however many requests arrive at once (recoup.web.services).
LOGIN_MAX_FAILURES = env_int("RECOUP_LOGIN_MAX_FAILURES", 5, minimum=1, maximum=1000)
LOGIN_LOCKOUT_MINUTES = env_int("RECOUP_LOGIN_LOCKOUT_MINUTES", 15, minimum=1, maximum=7 * 24 * 60)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_time_zone("RECOUP_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = DEBUG
# Source maps are for a developer's tools, never a page: compressing the API docs' maps (6 MB)
# with Brotli's slowest setting was most of a fresh start's `collectstatic`.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The jobs that run on their own (recoup.core.schedule), and how often each worker's scheduler
# makes sure one run of each is queued (a job that failed is queued again on its next turn).
SCHEDULED_JOBS = [
    "recoup.okrs.tasks.SCHEDULE",
    "recoup.reports.tasks.SCHEDULE",
    "recoup.workspace.tasks.SCHEDULE",
    "recoup.ingest.tasks.SCHEDULE",
    "recoup.notifications.tasks.SCHEDULE",
    "recoup.okrs.reminders.SCHEDULE",
    "recoup.workspace.reminders.SCHEDULE",
    "recoup.ingest.reminders.SCHEDULE",
    "recoup.dunning.tasks.SCHEDULE",
]
SCHEDULE_CHECK_SECONDS = env_int("RECOUP_SCHEDULE_CHECK_SECONDS", 60, minimum=1, maximum=3600)

# Worklists: the calls a collector makes in a day unless their own limit is set, and how many days
# a fitted likelihood serves before the next worklist fits it again on the newer ledger.
WORKLIST_DAILY_CALLS = env_int("RECOUP_WORKLIST_DAILY_CALLS", 60, minimum=1, maximum=1000)
WORKLIST_REFIT_DAYS = env_int("RECOUP_WORKLIST_REFIT_DAYS", 7, minimum=1, maximum=365)
# What stopped imports leave behind (docs/decisions/0015): the worker removes it this often, and
# leaves the reader's temporary folders younger than the grace alone (a mapping page may be
# reading a file in one; imports' own folders are told apart by their run).
IMPORT_LEFTOVERS_EVERY_MINUTES = env_int(
    "RECOUP_IMPORT_LEFTOVERS_EVERY_MINUTES", 15, minimum=1, maximum=24 * 60
)
IMPORT_TEMP_GRACE_MINUTES = env_int(
    "RECOUP_IMPORT_TEMP_GRACE_MINUTES", 60, minimum=0, maximum=7 * 24 * 60
)
# `recoup serve`'s gunicorn worker processes (its --workers overrides this).
WEB_WORKERS = env_int("RECOUP_WEB_WORKERS", 2, minimum=1, maximum=64)
# The KPI engine is the operator's choice, never a request's (docs/architecture.md).
KPI_ENGINE = env_choice("RECOUP_KPI_ENGINE", "duckdb", ("duckdb", "postgres", "spark"))
# A key result called on track while its forecast gives less than this chance of reaching the
# target is flagged "reported green, data red" (`recoup.okrs.honesty`).
OKR_GREEN_RED_BELOW_CHANCE = env_float(
    "RECOUP_OKR_GREEN_RED_BELOW_CHANCE", 0.5, minimum=0.0, maximum=1.0
)
# Seconds a process waits for another to release the DuckDB analytics file.
DUCKDB_LOCK_WAIT_SECONDS = env_float("RECOUP_DUCKDB_LOCK_WAIT", 60.0, minimum=0, maximum=3600)
# After a ledger change, answer from the published analytics snapshot while it is synced in the
# background (`recoup serve` turns this on for its workers), at most once per this many seconds
# (decision 0014).
ANALYTICS_ANSWER_WHILE_SYNCING = env_bool("RECOUP_ANALYTICS_ANSWER_WHILE_SYNCING", False)
ANALYTICS_REFRESH_SECONDS = env_float(
    "RECOUP_ANALYTICS_REFRESH_SECONDS", 1.0, minimum=0, maximum=3600
)
# Computed KPI results and dashboards, shared by every worker process: files, so a cache write
# never queues behind the operational database's write lock (decision 0014).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env_str("RECOUP_CACHE_DIR", str(DATA_DIR / "cache")),
        "TIMEOUT": 24 * 3600,
        # Each write lists the folder to cull beyond this: a few milliseconds at this size.
        "OPTIONS": {
            "MAX_ENTRIES": env_int("RECOUP_CACHE_ENTRIES", 5000, minimum=100, maximum=1_000_000)
        },
    }
}
# Beyond this DuckDB spills to disk instead of growing: the dashboard must fit in 2 GB.
DUCKDB_MEMORY = env_str(
    "RECOUP_DUCKDB_MEMORY",
    "1GB",
    pattern=r"(?i)[0-9]+(\.[0-9]+)? ?([kmgt]i?b|b)",
    meaning="a size such as 512MB or 2GB",
)
SPARK_MEMORY = env_str(
    "RECOUP_SPARK_MEMORY", "4g", pattern=r"(?i)[0-9]+[kmgt]", meaning="a size such as 512m or 4g"
)
# What one import may take, whatever the file holds (decision 0018): a field (CSV field, cell,
# Parquet value) over this size refuses the file at its row and column; a workbook or Parquet file
# that unpacks beyond the second is refused before it is read; the third is the peak the others
# keep an import under (DuckDB's share of it: 3/8).
IMPORT_MAX_FIELD_BYTES = env_int(
    "RECOUP_IMPORT_MAX_FIELD_BYTES", 1 << 20, minimum=1 << 10, maximum=1 << 30
)
IMPORT_MAX_UNPACKED_BYTES = env_int(
    "RECOUP_IMPORT_MAX_UNPACKED_BYTES", 256 << 20, minimum=1 << 20, maximum=1 << 40
)
IMPORT_MEMORY_BYTES = env_int(
    "RECOUP_IMPORT_MEMORY_BYTES", 1 << 30, minimum=64 << 20, maximum=1 << 40
)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("RECOUP_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
# Off by default: the embedded default serves plain HTTP on 127.0.0.1, where a redirect to HTTPS
# or a remembered HSTS policy would lock the browser out of it. A deployment behind TLS turns them
# on (README "Production").
SECURE_SSL_REDIRECT = env_bool("RECOUP_SSL_REDIRECT", False)
# Behind a TLS-terminating proxy Django sees plain HTTP; only the proxy's header tells it the
# request was secure. Set it only when that proxy overwrites the header, or clients could forge it.
SECURE_PROXY_SSL_HEADER = env_header("RECOUP_PROXY_SSL_HEADER")
SECURE_HSTS_SECONDS = env_int("RECOUP_HSTS_SECONDS", 0, minimum=0, maximum=2 * 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("RECOUP_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading is a promise to browsers that is slow to take back; it is never assumed.
SECURE_HSTS_PRELOAD = env_bool("RECOUP_HSTS_PRELOAD", False)
X_FRAME_OPTIONS = "DENY"

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Notifications (recoup.notifications): e-mail through Django's mail framework. With no SMTP host
# the messages are written as files under var/mail, so a fresh `make run` sends nothing anywhere.
_SMTP_HOST = env_str("RECOUP_SMTP_HOST", "")
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _SMTP_HOST,
                "port": env_int("RECOUP_SMTP_PORT", 587, minimum=1, maximum=65535),
                "username": env_str("RECOUP_SMTP_USER", ""),
                "password": env_secret("RECOUP_SMTP_PASSWORD"),
                "use_tls": env_bool("RECOUP_SMTP_STARTTLS", True),
                "timeout": env_int("RECOUP_SMTP_TIMEOUT_SECONDS", 10, minimum=1, maximum=300),
            },
        }
        if _SMTP_HOST
        else {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(DATA_DIR / "mail")},
        }
    )
}
DEFAULT_FROM_EMAIL = env_str("RECOUP_FROM_EMAIL", "recoup@localhost")
# Links in e-mails and chat messages point here (no request to read the host from in a job).
BASE_URL = env_str(
    "RECOUP_BASE_URL",
    "http://127.0.0.1:8000",
    pattern=r"https?://[^\s/]+(/\S*)?",
    meaning="an http(s) address such as https://recoup.example.com",
).rstrip("/")
NOTIFY_CHAT_TIMEOUT_SECONDS = env_int("RECOUP_CHAT_TIMEOUT_SECONDS", 5, minimum=1, maximum=60)
# Weekly check-ins an owner may miss in a row before their team's lead hears of it.
NOTIFY_ESCALATE_AFTER_MISSED = env_int(
    "RECOUP_NOTIFY_ESCALATE_AFTER_MISSED", 2, minimum=1, maximum=52
)
NOTIFY_FLUSH_EVERY_MINUTES = env_int(
    "RECOUP_NOTIFY_FLUSH_EVERY_MINUTES", 5, minimum=1, maximum=24 * 60
)

# Dunning (recoup.dunning): messages go at this hour of the debtor's own day; the payment link
# names the customer where it says {customer}; text messages are POSTed as JSON to a provider.
DUNNING_SEND_HOUR = env_int("RECOUP_DUNNING_SEND_HOUR", 10, minimum=0, maximum=23)
DUNNING_PAYMENT_LINK = env_str("RECOUP_DUNNING_PAYMENT_LINK", BASE_URL + "/pay/{customer}")
DUNNING_ORGANISATION = env_str("RECOUP_DUNNING_ORGANISATION", "Accounts receivable")
DUNNING_SMS_URL = env_str(
    "RECOUP_DUNNING_SMS_URL",
    "",
    pattern=r"(https?://\S+)?",
    meaning="the provider's http(s) address, or empty for no text messages",
)
DUNNING_SMS_TOKEN = env_secret("RECOUP_DUNNING_SMS_TOKEN")
DUNNING_SMS_TIMEOUT_SECONDS = env_int(
    "RECOUP_DUNNING_SMS_TIMEOUT_SECONDS", 10, minimum=1, maximum=60
)


def _message_cost(channel: str) -> int:
    """What a sent message of `channel` costs, in minor units of the base currency (0: none)."""
    name = f"RECOUP_DUNNING_COST_{channel.upper()}"
    text = env_str(
        name,
        "",
        pattern=r"(\d{1,9}(\.\d{1,4})?)?",
        meaning="an amount in the base currency such as 0.85, or empty for none",
    )
    if not text:
        return 0
    try:
        return Money.from_major(text, BASE_CURRENCY).minor
    except MoneyError as error:
        raise ImproperlyConfigured(f"{name}={text!r}: {error}") from error


# Each sent message becomes a collection cost of its day and team, so cost-to-collect counts the
# outreach; empty or 0 books nothing.
DUNNING_MESSAGE_COSTS = {channel: _message_cost(channel) for channel in ("email", "letter", "sms")}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice(
            "RECOUP_LOG_LEVEL", "WARNING", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
        ),
    },
}
