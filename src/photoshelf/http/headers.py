"""Security headers on every response: CSP, nosniff, frame and referrer rules, HSTS.

Django's SecurityMiddleware sets some of these headers too, but only on responses that pass
through it and HSTS only on requests it sees as secure; this middleware runs first, so static
files and error pages get them as well, and HSTS follows PHOTOSHELF_HTTPS (a proxy may end TLS
before us). Views set none of these themselves.
"""

from __future__ import annotations

from django.conf import settings

from photoshelf.storage import get_storage

# No inline script or style anywhere: every script and stylesheet is a static file of ours.
# Images may also come from the bucket when files are redirected to presigned URLs.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data: blob:{storage}",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def content_security_policy() -> str:
    origin = get_storage().download_origin()
    return CONTENT_SECURITY_POLICY.format(storage=f" {origin}" if origin else "")


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy())
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
        if settings.PHOTOSHELF_HTTPS:
            headers.setdefault(
                "Strict-Transport-Security",
                f"max-age={settings.PHOTOSHELF_HSTS_SECONDS}; includeSubDomains",
            )
        return response
