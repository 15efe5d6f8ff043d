"""The deployment files: compose.yaml is valid for docker-compose (there is no Docker engine in
CI, so it is validated, not run) and wires what the Dockerfile and the settings expect."""

import re
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import REPO

SETTINGS = (REPO / "src" / "photoshelf" / "settings.py").read_text()


@pytest.fixture(scope="module")
def compose() -> dict:
    if shutil.which("docker-compose") is None:
        pytest.skip("docker-compose is not installed (scripts/system-deps installs it as root)")
    done = subprocess.run(
        ["docker-compose", "-f", str(REPO / "compose.yaml"), "config"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def test_compose_runs_the_app_with_postgresql_and_minio_on_named_volumes(compose):
    services = compose["services"]
    assert set(services) == {"app", "db", "minio", "bucket"}
    assert services["db"]["image"].startswith("postgres:")
    assert "minio" in services["minio"]["image"]
    assert set(compose["volumes"]) == {"app-data", "db-data", "minio-data"}
    for name, target in (("app", "/data"), ("db", "/var/lib/postgresql/data"), ("minio", "/data")):
        assert any(v.split(":")[1] == target for v in services[name]["volumes"]), name


def test_the_app_starts_after_the_database_is_healthy_and_the_bucket_exists(compose):
    services = compose["services"]
    assert services["app"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "bucket": {"condition": "service_completed_successfully"},
    }
    assert "mc mb --ignore-existing store/photoshelf" in " ".join(services["bucket"]["command"])
    assert services["db"]["healthcheck"]["test"][1] == "pg_isready"


def test_the_app_is_configured_only_through_settings_photoshelf_reads(compose):
    env = compose["services"]["app"]["environment"]
    assert env["PHOTOSHELF_DATABASE_URL"].startswith("postgresql://photoshelf:")
    assert env["PHOTOSHELF_DATABASE_URL"].endswith("@db:5432/photoshelf")
    assert env["PHOTOSHELF_STORAGE_URL"] == "s3://photoshelf/media"
    assert env["PHOTOSHELF_S3_ENDPOINT_URL"] == "http://minio:9000"
    for name in env:
        assert name.startswith("AWS_") or f'"{name}"' in SETTINGS, name
    assert "127.0.0.1" in env["PHOTOSHELF_ALLOWED_HOSTS"].split(",")  # for the healthcheck


def test_the_image_is_slim_runs_as_a_user_and_checks_its_health():
    dockerfile = (REPO / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    assert stages and all("slim" in image for image in stages)
    final = dockerfile.split("\nFROM ")[-1]
    assert "gcc" not in final  # the compiler stays in the build stage
    user = re.search(r"^USER (\S+)", final, re.MULTILINE)
    assert user and user.group(1) not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", final, re.MULTILINE)
    for copied in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, re.MULTILINE):
        for path in copied.split():
            assert (REPO / path).exists(), path


def pins(lock: str) -> dict[str, str]:
    text = (REPO / lock).read_text()
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.MULTILINE))


def test_the_image_installs_the_same_versions_the_tests_ran_with():
    runtime, everything = pins("requirements-runtime.lock"), pins("requirements.lock")
    assert runtime and {name: everything.get(name) for name in runtime} == runtime
    assert "pytest" not in runtime and "moto" not in runtime
