"""The production HTTP server behind `photoshelf serve`: gunicorn, threaded workers.

Threads within a process share image work fairly well because Pillow releases the GIL while it
decodes and encodes; processes add cores, and BalancedThreadWorker keeps concurrent uploads in
separate processes where it can. Nothing but each thread's database connection lives in a process between
requests, so any number of them (here or on other hosts) can share one database and one storage.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
import time
from collections import deque
from functools import partial

from django.conf import settings
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

# How long a worker that is already answering requests waits before it takes a new connection,
# per request in flight (at most 4): an idle worker, woken by the same connection, takes it first.
DEFER_ACCEPT_S = 0.002

# A request head larger than this is refused (431) before it reaches gunicorn's parser; browsers
# send a few KiB, nginx allows 32 KiB by default.
HEAD_MAX_BYTES = 64 * 1024
HEAD_END = b"\r\n\r\n"
HEAD_READ_BYTES = 16 * 1024  # one recv() of a head, in the event loop
# Once PHOTOSHELF_BODY_TIMEOUT_S have passed, a body must have averaged this much since its head
# (Apache's mod_reqtimeout has MinRate=500): a byte a second never stalls a read, but ends here.
BODY_MIN_BYTES_PER_S = 1024
REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
HEAD_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n"
    b"Content-Length: 0\r\n\r\n"
)


class HeadReadingThreadWorker(ThreadWorker):
    """gunicorn's threaded worker, reading each request head in its event loop.

    gunicorn hands a connection to a pool thread as soon as it is readable, and the thread then
    reads the head with blocking reads: a few clients sending a byte a second hold every thread
    of a worker, and the server stops answering. Here the main loop reads what each readable
    connection has (never waiting), and a thread gets the connection only once its whole head
    has arrived, replayed to gunicorn's parser; a head that takes longer than
    PHOTOSHELF_HEADER_TIMEOUT_S is answered 408 and closed. In the thread, each read of the body
    (and each write of the answer) may wait PHOTOSHELF_BODY_TIMEOUT_S at most, and a body that
    trickles is cut after as long: a stalled body ends as a short one would (a 4xx, whatever was
    spooled removed), and the connection is closed. Bodies still hold a thread while they
    arrive at a fair pace, which is what lets an upload stream to its spool file.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.heads: deque = deque()  # connections whose head is arriving, oldest deadline first
        self.head_timeout_s = settings.PHOTOSHELF_HEADER_TIMEOUT_S
        self.body_timeout_s = settings.PHOTOSHELF_BODY_TIMEOUT_S

    def enqueue_req(self, conn) -> None:
        """gunicorn's every way to a thread (new, kept-alive, pipelined): read the head first."""
        if self.cfg.is_ssl:  # TLS records cannot be read ahead of the handshake: gunicorn's way
            return self.submit(conn)
        # Bytes a body drain read ahead of the next request are the start of its head.
        conn.head = bytearray(conn.parser.unreader.take_buffered() if conn.parser else b"")
        conn.head_deadline = time.monotonic() + self.head_timeout_s
        conn.sock.setblocking(False)
        if HEAD_END in conn.head:
            return self.head_arrived(conn)
        self.heads.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_head_readable, conn))
        return None

    def submit(self, conn) -> None:
        super().enqueue_req(conn)

    def on_head_readable(self, conn, client) -> None:
        try:
            data = client.recv(HEAD_READ_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away before it finished its head
            return self.drop_head(conn)
        seen = len(conn.head)
        conn.head += data
        if HEAD_END in conn.head[max(0, seen - 3) :]:
            self.poller.unregister(client)
            self.heads.remove(conn)
            return self.head_arrived(conn)
        if len(conn.head) > HEAD_MAX_BYTES:
            return self.drop_head(conn, HEAD_TOO_LARGE)
        return None

    def head_arrived(self, conn) -> None:
        conn.sock.setblocking(True)
        conn.init()  # the parser (once per connection), before the head is given back to it
        unreader = conn.parser.unreader
        if not isinstance(unreader.sock, _PacedSocket):
            unreader.sock = _PacedSocket(unreader.sock, self.body_timeout_s)
        unreader.sock.restart()
        unreader.unread(bytes(conn.head))
        conn.data_ready = True  # gunicorn's thread must not wait for bytes that are buffered
        del conn.head
        self.submit(conn)

    def drop_head(self, conn, answer: bytes = b"") -> None:
        with contextlib.suppress(OSError, KeyError, ValueError):
            self.poller.unregister(conn.sock)
        self.heads.remove(conn)
        if answer:
            with contextlib.suppress(OSError, KeyError, ValueError):
                conn.sock.send(answer)  # best effort: it fits in an empty socket buffer
        self.nr_conns -= 1
        conn.close()

    def murder_keepalived(self, force: bool = False) -> None:
        """Called by the main loop each turn: heads past their deadline go with kept-alive ones."""
        super().murder_keepalived(force)
        now = time.monotonic()
        while self.heads and (force or self.heads[0].head_deadline <= now):
            conn = self.heads[0]
            self.drop_head(conn, REQUEST_TIMEOUT if conn.head else b"")

    def load_wsgi(self) -> None:
        super().load_wsgi()
        application = self.wsgi
        timeout_s = self.body_timeout_s

        def bounded(environ, start_response):
            environ["gunicorn.socket"].settimeout(timeout_s)
            environ["wsgi.input"] = _StallEndsBody(environ["wsgi.input"])
            return application(environ, start_response)

        self.wsgi = bounded


class _PacedSocket:
    """The socket gunicorn's parser reads a connection's requests from, refusing a body that
    trickles: slower on average than BODY_MIN_BYTES_PER_S once `grace_s` have passed."""

    def __init__(self, sock, grace_s: float) -> None:
        self.sock = sock
        self.grace_s = grace_s
        self.restart()

    def restart(self) -> None:  # a new request head has arrived
        self.started: float | None = None
        self.received = 0

    def recv(self, size: int) -> bytes:
        # The clock starts at the first read a thread makes, not while the request waits for one.
        if self.started is None:
            self.started = time.monotonic()
        elapsed = time.monotonic() - self.started
        if elapsed > self.grace_s and self.received < BODY_MIN_BYTES_PER_S * elapsed:
            raise TimeoutError(f"request body slower than {BODY_MIN_BYTES_PER_S} bytes/s")
        data = self.sock.recv(size)
        self.received += len(data)
        return data


class _StallEndsBody:
    """A request body whose stalled read ends it, as if the client had stopped sending.

    The read failing marks gunicorn's body as failed, so the connection is closed after the
    answer (the short body's 4xx); Django's handler discards what it spooled.
    """

    def __init__(self, body) -> None:
        self.body = body

    def read(self, size=None):
        return self._bounded(self.body.read, size)

    def readline(self, size=None):
        return self._bounded(self.body.readline, size)

    def readlines(self, hint=None):
        return self.body.readlines(hint)

    def __iter__(self):
        return iter(self.readline, b"")

    @staticmethod
    def _bounded(read, size):
        try:
            return read(size)
        except TimeoutError:
            return b""


class BalancedThreadWorker(HeadReadingThreadWorker):
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

    def submit(self, conn) -> None:
        self._count(+1)
        super().submit(conn)

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

        _start_trash_sweeper()
        return application


def _start_trash_sweeper() -> None:
    """Every worker sweeps the trash now and then: with many processes and machines, each
    expired photo is purged by one of them (gallery/trash.py). Imported once Django is set
    up by the application above (models cannot be imported before)."""
    from photoshelf.gallery import trash

    trash.start_sweeper()


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
