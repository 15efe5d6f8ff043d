"""The WSGI application that `photoshelf serve` runs.

One wrapper sits in front of Django: the request body is read through http.body's guard, so a
body that ends before its announced Content-Length, or whose chunked coding is malformed, is
refused with a 400 instead of crashing or being parsed as if it were complete.
"""

import os

from django.core.wsgi import get_wsgi_application

from photoshelf.core import datadir
from photoshelf.http import body

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photoshelf.settings")
_django = get_wsgi_application()
datadir.prepare()  # for servers other than `photoshelf serve`, which has made it already


def application(environ, start_response):
    body.guard(environ)
    return _django(environ, start_response)
