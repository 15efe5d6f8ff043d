"""Shared fixtures: each test's storage (a folder, or a fresh bucket), named users, API helpers,
a real `photoshelf serve`, and the real database and S3 servers the API and page tests run against.

Tests that request `backend` (every test under tests/api/ and tests/web/, through their
conftest.py) run once per database (SQLite, PostgreSQL, MariaDB) and storage (local, S3).

`--backends sqlite-local,...` (or TEST_BACKENDS) keeps only those runs of them.
Tests that start real servers (a `photoshelf serve`, PostgreSQL, MariaDB, S3) are marked
`real_servers`, and a few slow end-to-end modules `slow`: `make test-fast` leaves both out.

`client` is a signed-in member (Django's test client); `anonymous`, `member`, `uploader`,
`administrator`, `member_token` and `revoked_token` are the named identities of permission tests.
"""

from __future__ import annotations

import errno
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from photoshelf.accounts import tokens
from photoshelf.core.sizes import RENDITIONS
from photoshelf.http.uploads import HashedTemporaryUploadedFile
from photoshelf.storage import get_storage
from tests.servers import AWS_ENV, MariaDBServer, PostgresServer, S3Server, free_port

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "exif-samples"

DATABASES = ("sqlite", "postgresql", "mariadb")
STORAGES = ("local", "s3")
ALIASES = {"sqlite": "default", "postgresql": "postgresql", "mariadb": "mariadb"}
# Not PHOTOSHELF_*: tests/django_settings.py drops those before this file is read.
BACKENDS_VARIABLE = "TEST_BACKENDS"
# Tests here start servers of their own inside the test (not through a `*server` fixture).
REAL_SERVER_PATHS = ("tests/scaling/", "tests/storage/test_s3.py")
# Marked `slow`: the near-duplicate measurement over the whole corpus (a minute or more), and
# the real `photoshelf import` runs, separate processes with worker pools (seconds each).
SLOW_PATHS = (
    "tests/ingest/test_near_duplicate_evaluation.py",
    "tests/importer/test_import_command.py",
    "tests/importer/test_interrupted_import.py",
)


@dataclass(frozen=True)
class Backend:
    database: str  # sqlite, postgresql, mariadb
    storage: str  # local, s3


def pytest_addoption(parser):
    parser.addoption(
        "--backends",
        default=os.environ.get(BACKENDS_VARIABLE, ""),
        help="comma-separated database-storage runs to keep (e.g. sqlite-local); the others "
        f"are deselected. Default: all, or ${BACKENDS_VARIABLE}.",
    )


def _chosen_backends(config) -> set[str] | None:
    value = config.getoption("backends").strip()
    if not value:
        return None
    chosen = {name.strip() for name in value.split(",") if name.strip()}
    known = {f"{db}-{storage}" for db in DATABASES for storage in STORAGES}
    if chosen - known:
        raise pytest.UsageError(
            f"--backends: unknown {sorted(chosen - known)}; choose from {sorted(known)}"
        )
    return chosen


def _starts_real_servers(item) -> bool:
    """A `photoshelf serve`, a database server or an S3 server, started for this test."""
    if any(
        name == "server" or name.endswith(("_server", "_servers")) for name in item.fixturenames
    ):
        return True
    backend = _backend_of(item)
    if backend is not None and (backend.database, backend.storage) != ("sqlite", "local"):
        return True
    return item.nodeid.startswith(REAL_SERVER_PATHS)


def _shared_fixture_group(item) -> str | None:
    """The module's id when the test uses a module-scoped (or class- or package-scoped)
    fixture: under `pytest -n ... --dist loadgroup` its tests then run on one worker, so a
    costly shared fixture (a server, an import of the corpus) is made once, not once per
    worker. Other tests go to whichever worker is free."""
    for definitions in item._fixtureinfo.name2fixturedefs.values():
        for definition in definitions:
            # Plugins' own (pytest-django's class-scoped one on every test) have no baseid.
            if definition.baseid and definition.scope in ("module", "class", "package"):
                return item.nodeid.split("::", 1)[0]
    return None


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        backends = [Backend(db, storage) for db in DATABASES for storage in STORAGES]
        # A module with a server of its own (not the backend's) runs once: @backends(...).
        only = metafunc.definition.get_closest_marker("backends")
        if only is not None:
            backends = [b for b in backends if f"{b.database}-{b.storage}" in only.args]
        metafunc.parametrize(
            "backend", backends, indirect=True, ids=[f"{b.database}-{b.storage}" for b in backends]
        )


def _backend_of(item) -> Backend | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("backend") if callspec else None


@pytest.hookimpl(tryfirst=True)  # before `-m` is applied: it selects on `real_servers` too
def pytest_collection_modifyitems(config, items):
    """Only the chosen backends' runs are kept (--backends); tests that start real servers are
    marked `real_servers`; a test on PostgreSQL or MariaDB gets that database set up and
    wrapped in its transaction."""
    chosen = _chosen_backends(config)
    if chosen is not None:
        kept, dropped = [], []
        for item in items:
            backend = _backend_of(item)
            skip = backend is not None and f"{backend.database}-{backend.storage}" not in chosen
            (dropped if skip else kept).append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept
    for item in items:
        if _starts_real_servers(item):
            item.add_marker(pytest.mark.real_servers)
        if item.nodeid.startswith(SLOW_PATHS):
            item.add_marker(pytest.mark.slow)
        if group := _shared_fixture_group(item):
            item.add_marker(pytest.mark.xdist_group(group))
        backend, marker = _backend_of(item), item.get_closest_marker("django_db")
        if backend is None or marker is None or backend.database == "sqlite":
            continue
        databases = ["default", ALIASES[backend.database]]
        item.add_marker(pytest.mark.django_db(databases=databases, **marker.kwargs), append=False)


@pytest.fixture(scope="session")
def postgresql_server():
    server = PostgresServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def mariadb_server():
    server = MariaDBServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def s3_server():
    server = S3Server()
    yield server
    server.close()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request, django_db_modify_db_settings_parallel_suffix):
    """Start the database servers the collected tests use, before their test databases exist."""
    from django.conf import settings

    used = {b.database for b in map(_backend_of, request.session.items) if b is not None}
    for database in used - {"sqlite"}:
        server = request.getfixturevalue(f"{database}_server")
        entry = settings.DATABASES[ALIASES[database]]
        for name in ("USER", "PASSWORD", "HOST", "PORT"):
            entry[name] = server.settings()[name]


@pytest.fixture
def backend(request) -> Backend:
    """The database and storage this run of the test uses; Django's default connection is
    pointed at that database for the test (inside its test transaction)."""
    chosen: Backend = request.param
    if chosen.database != "sqlite" and request.node.get_closest_marker("django_db"):
        from django.db import connections

        request.getfixturevalue("_django_db_helper")  # the test transaction is open first
        default = connections["default"]
        connections["default"] = connections[ALIASES[chosen.database]]
        request.addfinalizer(lambda: connections.__setitem__("default", default))
    return chosen


@pytest.fixture(autouse=True)
def media_dir(request, settings, tmp_path):
    """Every test stores files in its own empty place: a folder, or (S3 backends) a new bucket."""
    settings.MEDIA_DIR = tmp_path / "media"
    settings.PHOTOSHELF_STORAGE_URL = ""
    where, bucket = settings.MEDIA_DIR, None
    if "backend" in request.fixturenames and request.getfixturevalue("backend").storage == "s3":
        s3 = request.getfixturevalue("s3_server")
        bucket = s3.create_bucket()
        settings.PHOTOSHELF_STORAGE_URL = f"s3://{bucket}/media"
        settings.PHOTOSHELF_S3_ENDPOINT_URL = s3.endpoint_url
        get_storage.cache_clear()
        where = get_storage()
    get_storage.cache_clear()
    yield where
    get_storage.cache_clear()
    if bucket is not None:
        s3.delete_bucket(bucket)


def make_user(username: str, *, admin: bool = False, password: str | None = None):
    """A user; without a password none is hashed (argon2 is deliberately slow)."""
    user = get_user_model()(username=username, is_superuser=admin, is_staff=admin)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    return user


def signed_in(user) -> Client:
    """Django's test client with `user` signed in (a real session cookie)."""
    browser = Client()
    browser.force_login(user)
    return browser


def bearer(secret: str) -> dict[str, str]:
    """Test-client keyword arguments that send `Authorization: Bearer <secret>`."""
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def member(db):
    return make_user("member")


@pytest.fixture
def uploader(db):
    return make_user("uploader")


@pytest.fixture
def administrator(db):
    return make_user("administrator", admin=True)


@pytest.fixture
def client(member) -> Client:
    """Signed in as `member`: HTTP tests act as an ordinary signed-in user by default."""
    return signed_in(member)


@pytest.fixture
def anonymous(db) -> Client:
    return Client()


@pytest.fixture
def uploader_client(uploader) -> Client:
    return signed_in(uploader)


@pytest.fixture
def administrator_client(administrator) -> Client:
    return signed_in(administrator)


@pytest.fixture
def member_token(member) -> str:
    return tokens.create(member, "member's script")[1]


@pytest.fixture
def revoked_token(member) -> str:
    token, secret = tokens.create(member, "revoked")
    tokens.revoke(member, token.pk)
    return secret


# The original and every size in each of its encodings (core.sizes): JPEG and WebP.
FILES_PER_PHOTO = 1 + sum(len(size.encodings) for size in RENDITIONS)


def stored_files(where) -> list[str]:
    """Every file in a storage folder (temporary ones included), or every key of a Storage."""
    if not isinstance(where, Path):
        return sorted(where.keys())
    if not where.exists():
        return []
    return sorted(p.relative_to(where).as_posix() for p in where.rglob("*") if p.is_file())


@pytest.fixture
def full_spool(monkeypatch) -> list[Path]:
    """Every write to an upload's spool file fails as on a full disk (OSError ENOSPC); the
    spool files it failed on. tests/http/test_full_disk.py fills a real disk instead."""
    failed: list[Path] = []

    def write(upload):
        def refuse(data: bytes) -> int:
            failed.append(Path(upload.temporary_file_path()))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        return refuse

    monkeypatch.setattr(HashedTemporaryUploadedFile, "write", property(write))
    return failed


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the sample corpus is not at {CORPUS} (it lives in the shared/ folder)")
    return CORPUS


def photoshelf_environment(data_dir: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a `photoshelf` process: none of ours, only what the test gives."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PHOTOSHELF_") and k != "DJANGO_SETTINGS_MODULE"
    }
    clean.update({"PHOTOSHELF_DATA_DIR": str(data_dir), "PHOTOSHELF_ENV_FILE": ""})
    clean.update(env or {})
    return clean


def run_photoshelf(data_dir: Path, *args: str, env: dict[str, str] | None = None):
    """Run one `photoshelf` command to completion; its exit code and output."""
    return subprocess.run(
        [sys.executable, "-m", "photoshelf.cli", *args],
        capture_output=True,
        text=True,
        env=photoshelf_environment(data_dir, env),
        timeout=300,
    )


class Server:
    """A real `photoshelf serve` process on a loopback port, with its own data folder.

    With `account=True` (the default) it has an administrator, made by `photoshelf createuser`,
    and an API token for it, made by `photoshelf token create`: `headers` authenticate HTTP
    calls, `sign_in(page)` signs a Playwright page in through the login form.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        workers: int = 1,
        env: dict[str, str] | None = None,
        account: bool = True,
    ):
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # One name per server: servers that share a database each add their own administrator.
        self.username = f"tester-{self.port}"
        clean = photoshelf_environment(data_dir, env)
        self.env = clean
        self.log = open(data_dir.parent / f"server-{self.port}.log", "wb")  # noqa: SIM115 - server-long
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "photoshelf.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            env=clean,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_up()
        self.password = self.token = None
        if account:
            self.password = secrets.token_urlsafe(16)
            # `photoshelf createuser` then `photoshelf token create`, in one interpreter to
            # start Python and Django once (tests/test_cli.py runs them as separate commands).
            self.token = self.photoshelf(
                ["createuser", self.username, "--admin", "--password-stdin"],
                ["token", "create", "tests", "--user", self.username],
                input=self.password + "\n",
            ).splitlines()[-1]

    def photoshelf(self, *commands: list[str], input: str | None = None) -> str:
        """Run `photoshelf` commands on this server's data; returns their standard output."""
        script = (
            "import sys; from photoshelf.cli import main\n"
            f"for argv in {commands!r}:\n    main(argv) == 0 or sys.exit(1)"
        )
        done = subprocess.run(
            [sys.executable, "-c", script],
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"photoshelf {commands} failed: {done.stderr}")
        return done.stdout.strip()

    @property
    def headers(self) -> dict[str, str]:
        """`Authorization: Bearer <token>` of the server's administrator."""
        return {"Authorization": f"Bearer {self.token}"}

    def sign_in(self, page) -> None:
        """Sign a Playwright page in as the administrator, through the real login form."""
        page.goto(self.url + "/login")
        page.get_by_label("User name").fill(self.username)
        page.get_by_label("Password").fill(self.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(self.url + "/")

    def _wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"photoshelf serve exited: {self.read_log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"photoshelf serve did not come up: {self.read_log()}")

    def read_log(self) -> str:
        self.log.flush()
        return (self.data_dir.parent / f"server-{self.port}.log").read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def server_environment(request, data_dir: Path) -> tuple[dict[str, str], object]:
    """PHOTOSHELF_* for a server on the test's backend (a fresh database and bucket), and where
    its files can be listed from the test (a folder or a Storage)."""
    env: dict[str, str] = {}
    storage: object = data_dir / "media"
    chosen = request.getfixturevalue("backend") if "backend" in request.fixturenames else None
    if chosen and chosen.database != "sqlite":
        server = request.getfixturevalue(f"{chosen.database}_server")
        env["PHOTOSHELF_DATABASE_URL"] = server.create_database()
    if chosen and chosen.storage == "s3":
        from photoshelf.storage.s3 import S3Storage

        s3 = request.getfixturevalue("s3_server")
        bucket = s3.create_bucket()
        env.update(
            AWS_ENV,
            PHOTOSHELF_STORAGE_URL=f"s3://{bucket}/media",
            PHOTOSHELF_S3_ENDPOINT_URL=s3.endpoint_url,
        )
        storage = S3Storage(bucket, "media", endpoint_url=s3.endpoint_url)
        request.addfinalizer(lambda: s3.delete_bucket(bucket))
    return env, storage


@pytest.fixture
def server(request, tmp_path):
    """`photoshelf serve --workers 2` on a free port and the test's backend, with an account
    (`server.headers`, `server.sign_in(page)`), stopped after the test."""
    env, storage = server_environment(request, tmp_path / "data")
    running = Server(tmp_path / "data", workers=2, env=env)
    running.storage = storage
    yield running
    running.stop()
