"""A real server process on a free loopback port, HTTP helpers, and per-process memory figures."""

from __future__ import annotations

import http.client
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

PHOTOSHELF_SERVE = [sys.executable, "-m", "photoshelf.cli", "serve"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


BENCH_USER = "bench"


def bench_token(env: dict[str, str], password: str | None = None) -> str:
    """An administrator and an API token in the data folder of `env`, made by the photoshelf
    command (`createuser`, then `token create`), for the benchmark's HTTP calls."""
    script = (
        "import sys; from photoshelf.cli import main\n"
        f"main(['createuser', '{BENCH_USER}', '--admin', '--password-stdin']) == 0 or sys.exit(1)\n"
        f"main(['token', 'create', 'bench', '--user', '{BENCH_USER}']) == 0 or sys.exit(1)"
    )
    password = password or "bench-" + os.urandom(12).hex()
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        input=password + "\n",
    )
    if done.returncode != 0:
        raise RuntimeError(f"cannot make the benchmark's account: {done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def sign_in(url: str, password: str) -> str:
    """A session cookie from the real sign-in form (CSRF token and all), as a browser gets one."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(url + "/login", timeout=60) as response:
        form = response.read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    fields = {"csrfmiddlewaretoken": csrf, "username": BENCH_USER, "password": password}
    request = urllib.request.Request(
        url + "/login",
        data=urllib.parse.urlencode(fields).encode(),
        headers={"Referer": url + "/login"},
    )
    with opener.open(request, timeout=60):
        pass
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise RuntimeError("the benchmark could not sign in")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def clean_env(data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PHOTOSHELF_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        {
            "PHOTOSHELF_DATA_DIR": str(data_dir),
            "PHOTOSHELF_ENV_FILE": "",
            "PHOTOSHELF_LOG_LEVEL": "WARNING",
            # The benchmarks delete what they uploaded to send the same files again: through
            # a trash, those would stay and be refused as duplicate-in-trash.
            "PHOTOSHELF_TRASH_DAYS": "0",
        }
    )
    env.update(extra or {})
    return env


class Server:
    """`photoshelf serve` (or another command given the port) with its own data folder."""

    def __init__(
        self,
        data_dir: Path,
        *,
        workers: int = 2,
        env: dict[str, str] | None = None,
        command: list[str] | None = None,
    ) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = clean_env(data_dir, env)
        args = command or [*PHOTOSHELF_SERVE, "--workers", str(workers)]
        args = [a.replace("{port}", str(self.port)) for a in args]
        if command is None:
            args += ["--port", str(self.port)]
        self.log_path = data_dir / "server.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - lives as long as the server
        self.process = subprocess.Popen(
            args, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.workers = workers
        self._wait_until_up()
        password = "bench-" + os.urandom(12).hex()
        self.token = bench_token(self.env, password)
        self.headers = {"Authorization": f"Bearer {self.token}"}
        # The benchmark talks to one server at a time: the API with the token, pages as a
        # signed-in person (their session), as people use them.
        Client.auth = self.headers
        Client.cookie = sign_in(self.url, password)

    def _wait_until_up(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200 and len(self.worker_pids()) >= self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not come up: {self.log_path.read_text(errors='replace')}")

    def worker_pids(self) -> list[int]:
        """The processes that answer requests: the children of the server, or itself."""
        kids = descendants(self.process.pid)
        return kids or [self.process.pid]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def descendants(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                found += [int(child) for child in fh.read().split()]
    except OSError:
        return []
    return found + [grandchild for child in found for grandchild in descendants(child)]


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """VmRSS (now) or VmHWM (peak since start or since reset_peak) of a process, in MB."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def reset_peak(pid: int) -> None:
    """Start VmHWM afresh (Linux clear_refs 5), so the next peak belongs to what follows."""
    with open(f"/proc/{pid}/clear_refs", "w") as fh:
        fh.write("5")


@dataclass
class Answer:
    status: int
    body: bytes
    seconds: float
    server_ms: float | None  # from the Server-Timing header
    headers: dict[str, str]


def multipart(data: bytes, filename: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    return (
        head + data + f"\r\n--{boundary}--\r\n".encode(),
        f"multipart/form-data; boundary={boundary}",
    )


class Client:
    """One keep-alive HTTP/1.1 connection, as one browser tab would use."""

    # Set by the benchmark from its Server: API calls carry its token, pages its session.
    auth: dict[str, str] = {}
    cookie = ""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=300)

    IDEMPOTENT = {"GET", "HEAD", "DELETE"}

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        try:
            return self._request(method, path, body, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            if method not in self.IDEMPOTENT:
                raise
            # The server closed an idle keep-alive connection: once more, on a new one, as
            # browsers do for requests that may be repeated.
            return self._request(method, path, body, headers)

    def _request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str] | None
    ) -> Answer:
        start = time.perf_counter()
        try:
            credentials = Client.auth if path.startswith("/api/") else {"Cookie": Client.cookie}
            self.conn.request(method, path, body=body, headers={**credentials, **(headers or {})})
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
            raise
        seconds = time.perf_counter() - start
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
        return Answer(
            response.status,
            data,
            seconds,
            server_ms(response.getheader("Server-Timing")),
            dict(response.getheaders()),
        )

    def upload(self, data: bytes, filename: str) -> Answer:
        body, content_type = multipart(data, filename)
        return self.request("POST", "/api/images", body, {"Content-Type": content_type})

    def close(self) -> None:
        self.conn.close()


def server_ms(header: str | None) -> float | None:
    """The whole server time (`app`, the first metric) of a Server-Timing header."""
    return next(iter(server_stages(header).values()), None)


def server_stages(header: str | None) -> dict[str, float]:
    """Every metric of a Server-Timing header: {"app": ms, "receive": ms, "pixels": ms, ...}."""
    stages: dict[str, float] = {}
    for part in (header or "").split(","):
        name, *params = part.strip().split(";")
        fields = dict(item.strip().partition("=")[::2] for item in params)
        if name and "dur" in fields:
            stages[name] = float(fields["dur"])
    return stages
