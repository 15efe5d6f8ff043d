"""Real servers for the tests, in temporary folders on free loopback ports, stopped afterwards:
PostgreSQL and MariaDB from their Debian packages, and moto's standalone S3 server."""

from __future__ import annotations

import glob
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

START_TIMEOUT_SECONDS = 60
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "photoshelf-test",
    "AWS_SECRET_ACCESS_KEY": "photoshelf-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(connect, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            connect()
            return
        except Exception as exc:
            if time.monotonic() > deadline:
                detail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
                raise RuntimeError(f"{what} did not start: {exc}\n{detail}") from exc
            time.sleep(0.2)


class PostgresServer:
    """initdb + pg_ctl in a temporary folder. PostgreSQL refuses to run as root: as root, it runs
    as the `postgres` user (runuser), in a folder that user owns."""

    def __init__(self) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
        if not bins:
            raise RuntimeError("PostgreSQL is not installed (Debian package postgresql)")
        self.bin = Path(bins[-1])
        self.root = Path(tempfile.mkdtemp(prefix="photoshelf-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.user = "postgres"
        self._as_root = os.geteuid() == 0
        if self._as_root:
            shutil.chown(self.root, "postgres", "postgres")
        else:
            self.user = os.environ.get("USER") or "postgres"
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.root)

    def start(self) -> None:
        # Durability off: the data is thrown away after the tests.
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.log),
            "-w",
            "-t",
            str(START_TIMEOUT_SECONDS),
            "start",
        )

    def stop(self) -> None:
        # "fast": clients are cut off at once, and what was committed stays (durability is off).
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def settings(self, name: str = "photoshelf") -> dict:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": self.user,
            "PASSWORD": "",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
        }

    def url(self, name: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{name}"

    def create_database(self) -> str:
        import psycopg

        name = f"ps_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class MariaDBServer:
    """mariadb-install-db + mariadbd in a temporary folder, with a `photoshelf` user."""

    USER, PASSWORD = "photoshelf", "photoshelf"

    def __init__(self, *, buffer_pool: str = "64M") -> None:
        self.buffer_pool = buffer_pool  # InnoDB's cache; small for the tests' small tables
        if not shutil.which("mariadbd", path="/usr/sbin:/usr/bin:" + os.environ.get("PATH", "")):
            raise RuntimeError("MariaDB is not installed (Debian package mariadb-server)")
        self.root = Path(tempfile.mkdtemp(prefix="photoshelf-mariadb-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self._user = ["--user=root"] if os.geteuid() == 0 else []
        self._install_db()
        (self.root / "init.sql").write_text(
            f"CREATE USER IF NOT EXISTS '{self.USER}'@'%' IDENTIFIED BY '{self.PASSWORD}';\n"
            f"GRANT ALL PRIVILEGES ON *.* TO '{self.USER}'@'%';\n"
        )
        self.process: subprocess.Popen | None = None
        self.start()

    def _install_db(self, attempts: int = 3) -> None:
        """Create the system tables; on a loaded machine the bootstrap has failed once in a
        while, so it is retried in a fresh folder, and a final failure says what it printed."""
        for _attempt in range(1, attempts + 1):
            shutil.rmtree(self.data, ignore_errors=True)
            result = subprocess.run(
                [
                    "mariadb-install-db",
                    "--no-defaults",
                    f"--datadir={self.data}",
                    "--skip-test-db",
                    "--auth-root-authentication-method=socket",
                    *self._user,
                ],
                capture_output=True,
                text=True,
            )
            if result.returncode == 0:
                return
        raise RuntimeError(
            f"mariadb-install-db failed {attempts} times; last output:\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        )

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "/usr/sbin/mariadbd",
                "--no-defaults",
                f"--datadir={self.data}",
                *self._user,
                f"--socket={self.root / 'mysqld.sock'}",
                f"--pid-file={self.root / 'mysqld.pid'}",
                f"--port={self.port}",
                "--bind-address=127.0.0.1",
                "--skip-name-resolve",
                f"--init-file={self.root / 'init.sql'}",
                f"--log-error={self.log}",
                "--skip-log-bin",
                "--innodb-flush-log-at-trx-commit=0",
                "--innodb-doublewrite=0",
                f"--innodb-buffer-pool-size={self.buffer_pool}",
                "--max-connections=300",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(lambda: self._connect().close(), "MariaDB", self.log)

    def _connect(self, database: str = ""):
        import MySQLdb

        return MySQLdb.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.USER,
            password=self.PASSWORD,
            database=database,
            connect_timeout=2,
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # clients are cut off; what was committed stays
            self.process.wait(timeout=START_TIMEOUT_SECONDS)

    def settings(self, name: str = "photoshelf") -> dict:
        return {
            "ENGINE": "django.db.backends.mysql",
            "NAME": name,
            "USER": self.USER,
            "PASSWORD": self.PASSWORD,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "OPTIONS": {"charset": "utf8mb4"},
            "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
        }

    def url(self, name: str) -> str:
        return f"mysql://{self.USER}:{self.PASSWORD}@127.0.0.1:{self.port}/{name}"

    def create_database(self) -> str:
        name = f"ps_{uuid.uuid4().hex[:12]}"
        conn = self._connect()
        try:
            conn.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        finally:
            conn.close()
        return self.url(name)

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class S3Server:
    """moto's standalone S3 server, spoken to over real HTTP exactly like MinIO or AWS."""

    def __init__(self) -> None:
        os.environ.update(AWS_ENV)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self._client = None
        self.start()

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        _wait_for(lambda: socket.create_connection(("127.0.0.1", self.port), 1).close(), "moto")

    def stop(self) -> None:
        self._server.stop()

    def client(self):
        import boto3

        if self._client is None:
            self._client = boto3.client("s3", endpoint_url=self.endpoint_url, **_aws_arguments())
        return self._client

    def create_bucket(self) -> str:
        name = f"photoshelf-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name)
        return name

    def delete_bucket(self, name: str) -> None:
        """Empty and remove a bucket: moto keeps every object in this process's memory."""
        client = self.client()
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
            for entry in page.get("Contents", []):
                client.delete_object(Bucket=name, Key=entry["Key"])
        client.delete_bucket(Bucket=name)

    def close(self) -> None:
        self.stop()


def _aws_arguments() -> dict:
    return {
        "aws_access_key_id": AWS_ENV["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        "region_name": AWS_ENV["AWS_DEFAULT_REGION"],
    }


class NginxServer:
    """Debian's nginx as a reverse proxy in front of a server on `upstream_port`, with
    `client_max_body_size` as a deployment that caps request bodies sets it. One process
    (master_process off) as the current user, everything in a temporary folder."""

    def __init__(self, upstream_port: int, *, client_max_body_size: str = "10m") -> None:
        binary = shutil.which("nginx", path="/usr/sbin:/usr/bin:" + os.environ.get("PATH", ""))
        if binary is None:
            raise RuntimeError("nginx is not installed (Debian package nginx)")
        self.root = Path(tempfile.mkdtemp(prefix="photoshelf-nginx-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.root / "error.log"
        temp = "".join(
            f"  {kind}_temp_path {self.root / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (self.root / "nginx.conf").write_text(
            f"daemon off;\nmaster_process off;\npid {self.root / 'nginx.pid'};\n"
            f"error_log {self.log} info;\nevents {{}}\n"
            f"http {{\n{temp}  access_log {self.root / 'access.log'};\n"
            f"  server {{\n    listen 127.0.0.1:{self.port};\n"
            f"    client_max_body_size {client_max_body_size};\n"
            "    location / {\n"
            f"      proxy_pass http://127.0.0.1:{upstream_port};\n"
            "      proxy_http_version 1.1;\n"
            "      proxy_set_header Host $http_host;\n"
            "      proxy_read_timeout 300s;\n"
            "    }\n  }\n}\n"
        )
        self.process = subprocess.Popen(
            [binary, "-p", str(self.root), "-c", str(self.root / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(
            lambda: socket.create_connection(("127.0.0.1", self.port), 1).close(), "nginx", self.log
        )

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=START_TIMEOUT_SECONDS)
        shutil.rmtree(self.root, ignore_errors=True)
