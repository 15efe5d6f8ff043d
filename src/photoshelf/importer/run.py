"""run_import(): discover the files, import them on a pool of workers, report, sum up."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db.models import Max
from rich.filesize import decimal

from photoshelf.gallery.models import Image
from photoshelf.storage import get_storage

from . import albums, export, pool
from .discovery import discover, survey
from .progress import Display
from .report import ReportWriter, Tally
from .worker import DUPLICATE, ERROR, PRESENT, UNREADABLE, WOULD_ACCEPT, Result, Task

# A temporary write untouched this long belongs to a killed process, not to a running upload.
ABANDONED_WRITE_AFTER_S = 15 * 60
EXIT_OK, EXIT_ERRORS, EXIT_INTERRUPTED = 0, 1, 130


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass
class Options:
    paths: list[Path]
    recursive: bool = False
    jobs: int = field(default_factory=default_jobs)
    dry_run: bool = False
    name_from: str = "stem"  # or "path": the file's path below the folder given, less its suffix
    report: Path | None = None
    live: bool | None = None  # the progress bar; None: when stderr is a terminal
    user_id: int | None = None  # the uploader recorded on every imported image (--user)


@dataclass
class Summary:
    tally: Tally
    seconds: float
    interrupted: bool

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_ERRORS if self.tally.errors else EXIT_OK

    @property
    def rate(self) -> float:
        return self.tally.files / self.seconds if self.seconds else 0.0

    def text(self) -> str:
        t = self.tally
        line = (
            f"{t.files} files, {decimal(t.bytes)} in {self.seconds:.1f} s "
            f"({self.rate:.1f} images/s): {t.counts_text()}"
        )
        if self.interrupted:
            line += "\ninterrupted: run the same command again to import the rest"
        return line


def run_import(options: Options, out: TextIO = sys.stdout) -> Summary:
    # One log line per stored file is right for a server and noise for thousands of files.
    for name in ("photoshelf.ingest", "photoshelf.gallery.library"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if not options.dry_run:
        get_storage().remove_abandoned(ABANDONED_WRITE_AFTER_S)
    present_up_to = Image.everything.aggregate(top=Max("id"))["top"] or 0
    files, size = _survey(options)
    run = _Run(options, present_up_to, Display(files, size, live=options.live))
    start = time.perf_counter()
    with _StopOnSignal(run.display) as stopper:
        try:
            for result in pool.run(
                run.tasks(),
                jobs=options.jobs,
                stop=stopper.requested,
                tick=run.display.tick,
            ):
                run.record(result)
        finally:
            run.close()
    summary = Summary(run.tally, time.perf_counter() - start, stopper.requested())
    print(summary.text(), file=out)
    exports = [path for path in options.paths if export.read_manifest(path) is not None]
    if exports and not options.dry_run:  # the albums of the photos now here (also interrupted)
        print(albums.restore(exports, options.user_id).text(), file=out)
    return summary


class _Run:
    """The state of one import: counts, report, progress, and what was in before it began."""

    def __init__(self, options: Options, present_up_to: int, display: Display) -> None:
        self.options = options
        self.present_up_to = present_up_to
        self.display = display
        self.tally = Tally()
        self.report = ReportWriter(options.report) if options.report else None
        self.would_store: set[str] = set()  # dry run only: same bytes twice in the folder
        # Read now, before the pool forks its workers: they must not inherit a connection.
        self.users: dict[str, int] = dict(
            get_user_model().objects.filter(is_active=True).values_list("username", "pk")
        )

    def tasks(self) -> Iterator[Task]:
        exports = [path for path in self.options.paths if export.read_manifest(path) is not None]
        for folder in exports:
            yield from self._restored(folder)
        others = [path for path in self.options.paths if path not in exports]
        for found in discover(others, recursive=self.options.recursive):
            if found.problem:
                self.record(Result(found.path, ERROR, UNREADABLE, reason=found.problem))
                continue
            yield Task(
                found.path,
                found.name(self.options.name_from),
                self.options.dry_run,
                self.options.user_id,
            )

    def _restored(self, folder: Path) -> Iterator[Task]:
        """An export folder's photos, with their names, upload dates and uploaders (those
        whose account exists here; the others get --user, or none)."""
        for path, photo in export.entries_of(folder):
            uploaded_at = export.instant(photo.get("uploaded_at"))
            name = photo.get("name") if isinstance(photo.get("name"), str) else None
            uploader = photo.get("uploader")
            user_id = self.users.get(uploader) if isinstance(uploader, str) else None
            user_id = user_id if user_id is not None else self.options.user_id
            yield Task(path, name, self.options.dry_run, user_id, uploaded_at)

    def record(self, result: Result) -> None:
        result = self._classify(result)
        self.tally.add(result)
        if self.report:
            self.report.write(result)
        if result.outcome == ERROR:
            self.display.note(f"error: {result.path}: {result.code}: {result.reason}")
        self.display.update(self.tally)

    def _classify(self, result: Result) -> Result:
        if result.outcome == DUPLICATE and result.duplicate_of <= self.present_up_to:
            result.outcome = PRESENT
        elif result.outcome == WOULD_ACCEPT:
            if result.sha256 in self.would_store:
                result.outcome, result.code = DUPLICATE, "duplicate"
                result.reason = "The same bytes as another file of this import."
            self.would_store.add(result.sha256)
        return result

    def close(self) -> None:
        self.display.close()
        if self.report:
            self.report.close()


def _survey(options: Options) -> tuple[int, int]:
    """Files and bytes to import: those of export folders' manifests, and those found."""
    files = size = 0
    others = []
    for path in options.paths:
        if export.read_manifest(path) is None:
            others.append(path)
            continue
        for file, _ in export.entries_of(path):
            files += 1
            size += file.stat().st_size if file.is_file() else 0
    found, found_size = survey(others, recursive=options.recursive)
    return files + found, size + found_size


class _StopOnSignal:
    """Ctrl-C or SIGTERM: finish the files in progress, start no new one; twice: stop at once."""

    def __init__(self, display: Display) -> None:
        self.display = display
        self.stopping = False
        self.previous: dict[int, object] = {}

    def requested(self) -> bool:
        return self.stopping

    def _handle(self, signum, frame) -> None:
        if self.stopping:
            raise KeyboardInterrupt
        self.stopping = True
        self.display.note("stopping after the files in progress")

    def __enter__(self) -> _StopOnSignal:
        if threading.current_thread() is not threading.main_thread():
            return self  # only the main thread may handle signals
        for signum in (signal.SIGINT, signal.SIGTERM):
            self.previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
