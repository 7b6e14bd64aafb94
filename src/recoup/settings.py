"""Django settings, read from the environment (see README "Configuration")."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from recoup.core.currencies import MINOR_UNIT_EXPONENT
from recoup.core.env import env_bool, env_list, env_str

# The working directory holds var/ (embedded database, analytics cache, reports), so one
# checkout or one deployment directory is one Recoup instance.
DATA_DIR = Path(env_str("RECOUP_DATA_DIR", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("RECOUP_DEBUG", False)
_secret = os.environ.get("RECOUP_SECRET_KEY", "")
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

BASE_CURRENCY = env_str("RECOUP_BASE_CURRENCY", "USD")
if BASE_CURRENCY not in MINOR_UNIT_EXPONENT:
    raise ImproperlyConfigured(f"RECOUP_BASE_CURRENCY={BASE_CURRENCY!r} is not an ISO 4217 code")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "recoup.core",
    "recoup.accounts",
    "recoup.ledger",
    "recoup.ingest",
    "recoup.metrics",
    "recoup.okrs",
    "recoup.demo",
    "recoup.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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
            ],
        },
    },
]

EMBEDDED_DATABASE = DATA_DIR / "recoup.sqlite3"
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{EMBEDDED_DATABASE}")
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        # WAL lets the web server read while an import or the worker writes; IMMEDIATE takes the
        # write lock at BEGIN so two writers queue instead of failing with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA temp_store=FILE; PRAGMA cache_size=-65536;"
        ),
    }
    if _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
elif _db["ENGINE"] not in {"django.db.backends.postgresql"}:
    raise ImproperlyConfigured(
        f"DATABASE_URL uses {_db['ENGINE']}: Recoup supports sqlite:/// and postgres:// URLs"
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
# lock that pair out until the oldest failure leaves the window.
LOGIN_MAX_FAILURES = int(env_str("RECOUP_LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCKOUT_MINUTES = int(env_str("RECOUP_LOGIN_LOCKOUT_MINUTES", "15"))

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("RECOUP_TIME_ZONE", "UTC")
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

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("RECOUP_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("RECOUP_LOG_LEVEL", "WARNING")},
}
