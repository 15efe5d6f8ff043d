"""The fixture of the tests where several servers share one database and one bucket."""

import pytest

from tests.conftest import Server
from tests.servers import AWS_ENV


@pytest.fixture
def two_servers(tmp_path, postgresql_server, s3_server):
    from photoshelf.storage.s3 import S3Storage

    bucket = s3_server.create_bucket()
    env = {
        **AWS_ENV,
        "PHOTOSHELF_DATABASE_URL": postgresql_server.create_database(),
        "PHOTOSHELF_STORAGE_URL": f"s3://{bucket}/photos",
        "PHOTOSHELF_S3_ENDPOINT_URL": s3_server.endpoint_url,
        "PHOTOSHELF_SECRET_KEY": "shared-by-every-process-of-the-service",
    }
    servers = []
    try:
        for name in ("a", "b"):  # one after the other: the first one migrates the database
            servers.append(Server(tmp_path / name, workers=2, env=env))
        yield servers, S3Storage(bucket, "photos", endpoint_url=s3_server.endpoint_url), env
    finally:
        for server in servers:
            server.stop()
