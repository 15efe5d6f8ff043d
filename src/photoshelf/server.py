"""The production HTTP server behind `photoshelf serve`: gunicorn, threaded workers.

Threads within a process share image work fairly well because Pillow releases the GIL while it
decodes and encodes; processes add cores, and BalancedThreadWorker keeps concurrent uploads in
separate processes where it can. Nothing but each thread's database connection lives in a process between
requests, so any number of them (here or on other hosts) can share one database and one storage.
"""

from __future__ import annotations

import os
import threading
import time

from django.conf import settings
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

# How long a worker that is already answering requests waits before it takes a new connection,
# per request in flight (at most 4): an idle worker, woken by the same connection, takes it first.
DEFER_ACCEPT_S = 0.002


class BalancedThreadWorker(ThreadWorker):
    """gunicorn's threaded worker, leaving new connections to an idle sibling.

    Every worker waits on the one listening socket, and the kernel wakes them all for a new
    connection: whichever calls accept() first gets it. A worker still tidying up after an answer
    (Python, holding its interpreter lock) often loses that race to one in the middle of an
    upload's decode, and then two uploads share one process and its lock (two processes scale
    better than two threads: the ingest table of `make bench`). So a worker whose application is
    still working on a request waits a moment before it accepts; when every worker is busy, a
    new connection waits that moment and no more.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.in_flight = 0  # requests of this worker that the application has not answered yet
        self.counting = threading.Lock()
        self.mine = threading.local()  # whether this thread's request is still counted

    def enqueue_req(self, conn) -> None:
        self._count(+1)
        super().enqueue_req(conn)

    def handle(self, conn):
        self.mine.counted = True
        try:
            return super().handle(conn)
        finally:  # no request came (a closed keep-alive connection), or it failed early
            self._answered()

    def load_wsgi(self) -> None:
        super().load_wsgi()
        application = self.wsgi

        def counted(environ, start_response):
            try:
                return application(environ, start_response)
            finally:  # the answer is made: the rest is sending it, and Django's tidying up
                self._answered()

        self.wsgi = counted

    def _answered(self) -> None:
        if getattr(self.mine, "counted", False):
            self.mine.counted = False
            self._count(-1)

    def _count(self, step: int) -> None:
        with self.counting:
            self.in_flight += step

    def accept(self, listener) -> None:
        if self.in_flight:
            time.sleep(DEFER_ACCEPT_S * min(self.in_flight, 4))
        super().accept(listener)  # a sibling took it: EAGAIN, which gunicorn ignores


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # In each worker, once gunicorn has set it up: importing the module makes the app.
        from photoshelf.wsgi import application

        return application


def serve(*, host: str, port: int, workers: int | None, threads: int) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers or os.cpu_count() or 1,
        "worker_class": BalancedThreadWorker,
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
