"""Plain HTTP helpers for tests that talk to a real `photoshelf serve` (urllib, no client lib).

Pass `headers=server.headers` to act as the server's administrator (a Bearer token).
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid

# A request that gets no answer in this time fails its test: an outage must be a quick 503.
REQUEST_TIMEOUT_SECONDS = 60


def post_image(
    url: str, data: bytes, filename: str = "same.jpg", headers: dict[str, str] | None = None
) -> tuple[int, dict]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        url + "/api/images",
        data=body,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **(headers or {})},
    )
    return _answer(request)


def get_json(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    return _answer(urllib.request.Request(url, headers=headers or {}))


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    """Status, Content-Type and body, for pages as well as JSON."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def _answer(request: urllib.request.Request) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def signed_in_browser(server) -> tuple[dict[str, str], str]:
    """Sign in through the login form as the server's administrator: the headers a browser
    then sends with a form (its cookies, Referer) and the CSRF token its forms carry."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = server.url + "/login"
    page = browser.open(login, timeout=REQUEST_TIMEOUT_SECONDS).read().decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found, "the login page has no CSRF token"
    token = found.group(1)
    form = {"username": server.username, "password": server.password}
    form_data = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": token}).encode()
    browser.open(login, form_data, timeout=REQUEST_TIMEOUT_SECONDS)
    cookies = {cookie.name: cookie.value or "" for cookie in jar}
    assert "sessionid" in cookies, "the sign-in failed"
    head = {
        "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
        "Referer": server.url + "/",
    }
    return head, cookies["csrftoken"]
