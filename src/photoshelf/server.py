"""The production HTTP server behind `photoshelf serve`: gunicorn, threaded workers.

Threads within a process share image work well because Pillow releases the GIL while it decodes
and encodes; processes add cores. Nothing but each thread's database connection lives in a process between
requests, so any number of them (here or on other hosts) can share one database and one storage.
"""

from __future__ import annotations

import os

from django.conf import settings
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from photoshelf.wsgi import application

        return application


def serve(*, host: str, port: int, workers: int | None, threads: int) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers or os.cpu_count() or 1,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 120,  # seconds a worker may stay silent before it is replaced
        "graceful_timeout": 30,
        "keepalive": 5,
        "accesslog": "-",
        "errorlog": "-",
        "proc_name": "photoshelf",
        # gunicorn's runtime control socket lives at one path per user: several servers on a
        # host (--workers aside) would fight over it, and photoshelf does not use it.
        "control_socket_disable": True,
        # gunicorn believes X-Forwarded-Proto from 127.0.0.1 unless told otherwise; only the
        # proxies the operator listed may say a request came over HTTPS.
        "forwarded_allow_ips": ",".join(settings.PHOTOSHELF_TRUSTED_PROXIES),
    }
    _Gunicorn(options).run()
