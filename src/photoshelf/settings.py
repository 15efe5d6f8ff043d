"""Django settings: every PHOTOSHELF_* variable is read here, once, typed, with its default.

The README's "Settings" table documents each variable; tests/test_settings_documented.py fails
when one read here is missing there. Values come from the environment, then from an optional
`.env` file (PHOTOSHELF_ENV_FILE, default `.env` in the working directory; the environment wins).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import environ

env = environ.Env()
_dotenv = os.environ.get("PHOTOSHELF_ENV_FILE", ".env")
if _dotenv and Path(_dotenv).is_file():
    environ.Env.read_env(_dotenv, overwrite=False)

PACKAGE_DIR = Path(__file__).resolve().parent

# --- Where things live -------------------------------------------------------------------
DATA_DIR = Path(env.str("PHOTOSHELF_DATA_DIR", default="./data")).expanduser().resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DATABASES = {
    "default": env.db_url(
        "PHOTOSHELF_DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'photoshelf.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one upload writes; IMMEDIATE takes the write lock at BEGIN,
    # so two writers queue (up to `timeout` seconds) instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# The local folder stored files go to when PHOTOSHELF_STORAGE_URL names none (see the end).
MEDIA_DIR = DATA_DIR / "media"


# --- The acceptance rules ----------------------------------------------------------------
PHOTOSHELF_REQUIRE_TAKEN_AT = env.bool("PHOTOSHELF_REQUIRE_TAKEN_AT", default=True)
PHOTOSHELF_MAX_AGE_DAYS = env.int("PHOTOSHELF_MAX_AGE_DAYS", default=365)  # 0: no limit
PHOTOSHELF_MAX_UPLOAD_BYTES = env.int("PHOTOSHELF_MAX_UPLOAD_MB", default=100) * 1024 * 1024
PHOTOSHELF_MAX_PIXELS = env.int("PHOTOSHELF_MAX_PIXELS", default=200_000_000)
PHOTOSHELF_PAGE_SIZE = env.int("PHOTOSHELF_PAGE_SIZE", default=48)


# --- Secrets and hosts ---------------------------------------------------------------------
def _secret_key() -> str:
    """PHOTOSHELF_SECRET_KEY, or a key generated once and kept in the data dir (mode 0600)."""
    configured = env.str("PHOTOSHELF_SECRET_KEY", default="")
    if configured:
        return configured
    path = DATA_DIR / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("PHOTOSHELF_DEBUG", default=False)
ALLOWED_HOSTS = env.list("PHOTOSHELF_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("PHOTOSHELF_CSRF_TRUSTED_ORIGINS", default=[])


# --- Django ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "photoshelf.gallery",
    "photoshelf.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "photoshelf.web.middleware.ContentSecurityPolicyMiddleware",
    "photoshelf.web.middleware.UnavailableMiddleware",
]

ROOT_URLCONF = "photoshelf.urls"
WSGI_APPLICATION = "photoshelf.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Uploads: every file streams through one handler that hashes it, bounds its size and
# spools it to a temporary file (never to memory), see photoshelf/ingest/upload.py.
FILE_UPLOAD_HANDLERS = ["photoshelf.ingest.upload.StreamingUploadHandler"]
FILE_UPLOAD_TEMP_DIR = None
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
DATA_UPLOAD_MAX_NUMBER_FILES = 1

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "staticfiles": {"BACKEND": "photoshelf.web.staticfiles.StaticFilesStorage"},
}
WHITENOISE_KEEP_ONLY_HASHED_FILES = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

# --- Privacy of served files ---------------------------------------------------------------
# Serve originals with their GPS position removed in place (pixels never re-encoded); see
# ingest/privacy.py for the formats covered. Renditions never carry metadata either way.
PHOTOSHELF_STRIP_GPS_FROM_ORIGINALS = env.bool("PHOTOSHELF_STRIP_GPS_FROM_ORIGINALS", default=False)


# --- Growing past one machine: database servers and S3-compatible storage ----------------
# A server that does not answer must give a 503 in seconds, never a hung request.
DATABASE_CONNECT_TIMEOUT_SECONDS = 5
DATABASE_READ_TIMEOUT_SECONDS = 60  # MySQL/MariaDB: a query's answer (PostgreSQL: TCP keepalive)
_engine = DATABASES["default"]["ENGINE"]
if _engine == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": DATABASE_CONNECT_TIMEOUT_SECONDS,
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 5,
            "keepalives_count": 3,
        }
    )
elif _engine == "django.db.backends.mysql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": DATABASE_CONNECT_TIMEOUT_SECONDS,
            "read_timeout": DATABASE_READ_TIMEOUT_SECONDS,
            "write_timeout": DATABASE_READ_TIMEOUT_SECONDS,
            "charset": "utf8mb4",
            "isolation_level": "read committed",
        }
    )

# Empty: the local folder MEDIA_DIR. A path: that folder. s3://bucket/prefix: an S3 bucket, at
# PHOTOSHELF_S3_ENDPOINT_URL (MinIO, Ceph, ...) or AWS when empty; region and credentials come
# from the usual AWS_* variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION).
PHOTOSHELF_STORAGE_URL = env.str("PHOTOSHELF_STORAGE_URL", default="")
PHOTOSHELF_S3_ENDPOINT_URL = env.str("PHOTOSHELF_S3_ENDPOINT_URL", default="")
# Off: the server streams files from the bucket. On: it redirects to short-lived presigned URLs.
PHOTOSHELF_S3_PRESIGN = env.bool("PHOTOSHELF_S3_PRESIGN", default=False)


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("PHOTOSHELF_LOG_LEVEL", default="INFO")},
}


# --- Near-duplicates ----------------------------------------------------------------------
# Largest Hamming distance (bits of the 64-bit pHash) at which an upload counts as a copy of a
# stored photo; -1 turns the check off. 8 comes from the README's measured curve; 11 is the
# largest the indexed lookup serves (photoshelf.gallery.near_duplicates.MAX_DISTANCE).
PHOTOSHELF_NEAR_DUPLICATE_DISTANCE = env.int("PHOTOSHELF_NEAR_DUPLICATE_DISTANCE", default=8)
if not -1 <= PHOTOSHELF_NEAR_DUPLICATE_DISTANCE <= 11:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"PHOTOSHELF_NEAR_DUPLICATE_DISTANCE must be -1 (off) or 0..11 bits, "
        f"not {PHOTOSHELF_NEAR_DUPLICATE_DISTANCE}"
    )
