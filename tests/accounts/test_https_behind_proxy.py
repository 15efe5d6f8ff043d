"""A real `photoshelf serve` behind a TLS proxy: Secure cookies, HSTS, headers on static files."""

import re
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie

import pytest

from tests.conftest import Server


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def https_server(tmp_path_factory):
    running = Server(
        tmp_path_factory.mktemp("https") / "data",
        env={"PHOTOSHELF_HTTPS": "true", "PHOTOSHELF_TRUSTED_PROXIES": "127.0.0.1"},
    )
    yield running
    running.stop()


def fetch(url, *, data=None, headers=None):
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        return opener.open(request, timeout=30)
    except urllib.error.HTTPError as answer:  # 3xx/4xx: still an answer to inspect
        return answer


def test_sign_in_over_https_gets_secure_cookies_and_hsts(https_server):
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.4"}
    login = fetch(https_server.url + "/login", headers=proxied)
    assert login.status == 200
    assert login.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    csrf_cookie = login.headers["Set-Cookie"]
    assert "csrftoken=" in csrf_cookie and "Secure" in csrf_cookie
    token = SimpleCookie(csrf_cookie)["csrftoken"].value
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.read().decode())[1]

    origin = "https://" + https_server.url.removeprefix("http://")
    body = urllib.parse.urlencode(
        {
            "username": https_server.username,
            "password": https_server.password,
            "csrfmiddlewaretoken": form_token,
        }
    ).encode()
    signed_in = fetch(
        https_server.url + "/login",
        data=body,
        headers={
            **proxied,
            "Origin": origin,
            "Referer": origin + "/login",
            "Cookie": f"csrftoken={token}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert signed_in.status == 302, signed_in.read()[:500]
    session = [c for c in signed_in.headers.get_all("Set-Cookie") if c.startswith("sessionid=")][0]
    assert "Secure" in session and "HttpOnly" in session and "SameSite=Lax" in session


def test_static_files_carry_the_security_headers_too(https_server):
    page = fetch(https_server.url + "/login").read().decode()
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page)[1]
    response = fetch(https_server.url + stylesheet)
    assert response.status == 200
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
