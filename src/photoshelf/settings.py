"""Django settings: every PHOTOSHELF_* variable is read here, once, typed, with its default.

docs/settings.md documents each variable; tests/test_settings_documented.py fails
when one read here is missing there. Values come from the environment, then from an optional
`.env` file (PHOTOSHELF_ENV_FILE, default `.env` in the working directory; the environment wins).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()
_dotenv = os.environ.get("PHOTOSHELF_ENV_FILE", ".env")
if _dotenv and Path(_dotenv).is_file():
    environ.Env.read_env(_dotenv, overwrite=False)

PACKAGE_DIR = Path(__file__).resolve().parent

# --- Where things live -------------------------------------------------------------------
# Made, with the spool folder and the secret key, when photoshelf starts (core/datadir.py).
DATA_DIR = Path(env.str("PHOTOSHELF_DATA_DIR", default="./data")).expanduser().resolve()

DATABASES = {
    "default": env.db_url(
        "PHOTOSHELF_DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'photoshelf.sqlite3'}"
    )
}
# Each server thread keeps its connection between requests (checked before reuse, so a restarted
# database is reconnected to): opening one per request costs more than a small page's query.
# `?conn_max_age=0` in the URL opens one per request again.
DATABASES["default"].setdefault("CONN_MAX_AGE", 600)
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
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
# A resumable upload (/api/uploads) not finished this long after its last bytes is removed.
PHOTOSHELF_UPLOAD_EXPIRY_HOURS = env.int("PHOTOSHELF_UPLOAD_EXPIRY_HOURS", default=24)

# --- The trash -------------------------------------------------------------------------------
# Days a deleted photo stays restorable (0: Delete removes it at once); how often each server
# process looks for expired ones (gallery/trash.py: each is purged by exactly one of them).
PHOTOSHELF_TRASH_DAYS = env.int("PHOTOSHELF_TRASH_DAYS", default=30)
PHOTOSHELF_TRASH_SWEEP_MINUTES = env.float("PHOTOSHELF_TRASH_SWEEP_MINUTES", default=60)
if PHOTOSHELF_TRASH_DAYS < 0 or PHOTOSHELF_TRASH_SWEEP_MINUTES <= 0:
    raise ImproperlyConfigured(
        "PHOTOSHELF_TRASH_DAYS must be 0 or more and PHOTOSHELF_TRASH_SWEEP_MINUTES above 0"
    )


# --- Secrets and hosts ---------------------------------------------------------------------
def _stored_secret_key(path: Path) -> str:
    """The key kept in the data folder, or a new one that core/datadir.py keeps there."""
    try:
        return path.read_text().strip() or secrets.token_urlsafe(50)
    except OSError:
        return secrets.token_urlsafe(50)


# PHOTOSHELF_SECRET_KEY, or a key generated once and kept in the data folder (mode 0600).
SECRET_KEY = env.str("PHOTOSHELF_SECRET_KEY", default="")
SECRET_KEY_FILE = None if SECRET_KEY else DATA_DIR / "secret_key"
if SECRET_KEY_FILE is not None:
    SECRET_KEY = _stored_secret_key(SECRET_KEY_FILE)
DEBUG = env.bool("PHOTOSHELF_DEBUG", default=False)
ALLOWED_HOSTS = env.list("PHOTOSHELF_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("PHOTOSHELF_CSRF_TRUSTED_ORIGINS", default=[])


# --- Django ------------------------------------------------------------------------------
# MariaDB and MySQL have no partial indexes: Django leaves the trash's out there and warns at
# every start (models.W037); the trash list then reads the table, which is what we accept.
SILENCED_SYSTEM_CHECKS = ["models.W037"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "photoshelf.gallery",
    "photoshelf.web",
    "photoshelf.accounts",
    "axes",
]

MIDDLEWARE = [
    "photoshelf.http.server_timing.ServerTimingMiddleware",
    # First, so that every response (static files and error pages included) gets the headers,
    # and so that the client address and scheme are known before anything reads them.
    "photoshelf.http.headers.SecurityHeadersMiddleware",
    "photoshelf.accounts.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "photoshelf.accounts.middleware.FirstRunMiddleware",
    # Before CSRF: the CSRF check reads the form, i.e. the whole upload, and an anonymous
    # request must be turned away before a byte of its body is read.
    "photoshelf.accounts.middleware.LoginRequiredMiddleware",
    # Around everything that reads the body (the CSRF check reads the form): an upload's spool
    # file is removed once the answer is made, also when the body broke off midway.
    "photoshelf.http.uploads.SpoolFileMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "photoshelf.http.outage.UnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
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
                "django.contrib.auth.context_processors.auth",
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
# spools it to a temporary file (never to memory), see photoshelf/http/uploads.py. The spool
# folder is in the data folder, beside the local storage: on one file system the stored original
# is the spool file under a second name, not a copy (and a 100 MB upload never fills a RAM /tmp).
FILE_UPLOAD_HANDLERS = ["photoshelf.http.uploads.StreamingUploadHandler"]
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "uploads")
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
DATA_UPLOAD_MAX_NUMBER_FILES = 1

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "staticfiles": {"BACKEND": "photoshelf.web.staticfiles.StaticFilesStorage"},
}
WHITENOISE_KEEP_ONLY_HASHED_FILES = True

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

# --- Privacy of served files ---------------------------------------------------------------
# Serve originals with their GPS position removed in place (pixels never re-encoded); see
# gallery/privacy.py for the formats covered. Renditions never carry metadata either way.
PHOTOSHELF_STRIP_GPS_FROM_ORIGINALS = env.bool("PHOTOSHELF_STRIP_GPS_FROM_ORIGINALS", default=False)

# --- Accounts and hardening ----------------------------------------------------------------
# Anonymous visitors may view (never change) the gallery and its files.
PHOTOSHELF_PUBLIC_GALLERY = env.bool("PHOTOSHELF_PUBLIC_GALLERY", default=False)
# Served over HTTPS (directly or behind a proxy): Secure cookies and HSTS.
PHOTOSHELF_HTTPS = env.bool("PHOTOSHELF_HTTPS", default=False)
PHOTOSHELF_HSTS_SECONDS = 365 * 24 * 3600
# Reverse proxies (addresses or networks) whose X-Forwarded-For/-Proto headers are believed.
PHOTOSHELF_TRUSTED_PROXIES = [  # validated here, so a typo stops the start, not a request
    str(ipaddress.ip_network(entry.strip()))
    for entry in env.list("PHOTOSHELF_TRUSTED_PROXIES", default=[])
    if entry.strip()
]
# Seconds a client may take to send a request head, and to send each part of a body (or take
# each part of an answer), before the server closes the connection: slow clients hold no thread.
PHOTOSHELF_HEADER_TIMEOUT_S = env.int("PHOTOSHELF_HEADER_TIMEOUT_S", default=20)
PHOTOSHELF_BODY_TIMEOUT_S = env.int("PHOTOSHELF_BODY_TIMEOUT_S", default=30)
# Wrong passwords in a row (per user name and client address) before sign-in is refused.
PHOTOSHELF_LOGIN_ATTEMPTS = env.int("PHOTOSHELF_LOGIN_ATTEMPTS", default=5)
PHOTOSHELF_LOGIN_COOLOFF_MINUTES = env.int("PHOTOSHELF_LOGIN_COOLOFF_MINUTES", default=15)

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # Only to verify (and then upgrade) hashes made elsewhere; new ones are always argon2.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses before checking while locked out
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:gallery"
LOGOUT_REDIRECT_URL = "accounts:login"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PHOTOSHELF_HTTPS
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = PHOTOSHELF_HTTPS

# django-axes: the (N+1)th wrong password in a row is answered 429, and so is every attempt
# (even a right one) until the cool-off ends. Counted per user name *and* address, so that
# nobody can lock another person out from elsewhere; a success resets the count.
AXES_FAILURE_LIMIT = PHOTOSHELF_LOGIN_ATTEMPTS + 1
AXES_COOLOFF_TIME = PHOTOSHELF_LOGIN_COOLOFF_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# TrustedProxyMiddleware has already put the real client address in REMOTE_ADDR.
AXES_CLIENT_IP_CALLABLE = "photoshelf.accounts.middleware.client_address"
AXES_VERBOSE = False

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
    # django-axes logs every sign-in at INFO; lockouts (what matters) are warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}


# --- Near-duplicates ----------------------------------------------------------------------
# Largest Hamming distance (bits of the 64-bit pHash) at which an upload counts as a copy of a
# stored photo; -1 turns the check off. 8 comes from the measured curve in
# docs/near-duplicates.md; 11 is the
# largest the indexed lookup serves (photoshelf.gallery.near_duplicates.MAX_DISTANCE).
PHOTOSHELF_NEAR_DUPLICATE_DISTANCE = env.int("PHOTOSHELF_NEAR_DUPLICATE_DISTANCE", default=8)
if not -1 <= PHOTOSHELF_NEAR_DUPLICATE_DISTANCE <= 11:
    raise ImproperlyConfigured(
        f"PHOTOSHELF_NEAR_DUPLICATE_DISTANCE must be -1 (off) or 0..11 bits, "
        f"not {PHOTOSHELF_NEAR_DUPLICATE_DISTANCE}"
    )
