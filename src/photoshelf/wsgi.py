"""The WSGI application that `photoshelf serve` runs."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photoshelf.settings")
application = get_wsgi_application()
