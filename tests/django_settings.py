"""The settings the tests run with: photoshelf's own, read from a clean, known environment.

Any PHOTOSHELF_* variable of the developer's shell or .env file is dropped first, so the suite
always tests the documented defaults; tests change settings explicitly where they need to.
"""

import os
import tempfile

for _name in [name for name in os.environ if name.startswith("PHOTOSHELF_")]:
    del os.environ[_name]
os.environ["PHOTOSHELF_ENV_FILE"] = ""
os.environ["PHOTOSHELF_DATA_DIR"] = tempfile.mkdtemp(prefix="photoshelf-test-")

from photoshelf.settings import *  # noqa: E402,F401,F403

# Pages render {% static %} without a collectstatic run; `photoshelf serve` (the e2e tests)
# uses the real hashed, compressed storage.
STORAGES = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (WhiteNoise wants it to exist)
# photoshelf's commands make the spool folder when they start (core/datadir.py); tests do it here.
os.makedirs(FILE_UPLOAD_TEMP_DIR, exist_ok=True)  # noqa: F405

# The API and page tests run on these too (tests/conftest.py starts the servers and fills in
# HOST, PORT, USER and PASSWORD); the options are those settings.py gives a configured URL.
DATABASES["postgresql"] = {  # noqa: F405
    "ENGINE": "django.db.backends.postgresql",
    "NAME": "photoshelf",
    "OPTIONS": {"connect_timeout": DATABASE_CONNECT_TIMEOUT_SECONDS},  # noqa: F405
}
DATABASES["mariadb"] = {  # noqa: F405
    "ENGINE": "django.db.backends.mysql",
    "NAME": "photoshelf",
    "OPTIONS": {
        "connect_timeout": DATABASE_CONNECT_TIMEOUT_SECONDS,  # noqa: F405
        "charset": "utf8mb4",
        "isolation_level": "read committed",
    },
    "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
}
