"""One file through the upload pipeline, in a worker: always a Result, never an exception."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.contrib.auth import get_user_model

from photoshelf.core.refusals import Refusal
from photoshelf.gallery import library
from photoshelf.ingest.incoming import IncomingFile

log = logging.getLogger(__name__)

# Outcomes a file can have; `present` and `duplicate` are both the pipeline's duplicate refusal,
# told apart by the runner: present = in the gallery before this run started.
ACCEPTED, WOULD_ACCEPT, PRESENT, DUPLICATE, REFUSED, ERROR = (
    "accepted",
    "would-accept",
    "present",
    "duplicate",
    "refused",
    "error",
)
# Codes of files that could not be handled (beside the refusal codes of core/refusals.py).
UNREADABLE, INTERNAL_ERROR, WORKER_DIED = "unreadable", "internal-error", "worker-died"


@dataclass(frozen=True)
class Task:
    path: Path
    name: str | None
    dry_run: bool = False
    user_id: int | None = None  # the account the photos are imported for (--user)
    uploaded_at: datetime | None = None  # from an export: restored, date rules not applied


@dataclass
class Result:
    path: Path
    outcome: str
    code: str = ""
    image_id: int | None = None
    duplicate_of: int | None = None
    reason: str = ""
    size: int = 0
    sha256: str = ""

    @property
    def handled(self) -> bool:
        """Accepted, or refused for a rule: everything but an error."""
        return self.outcome != ERROR


def import_one(task: Task) -> Result:
    """Hash the file, then run the same pipeline an upload runs (only its checks on a dry run)."""
    try:
        incoming = IncomingFile.from_path(task.path)
    except OSError as exc:
        return Result(task.path, ERROR, UNREADABLE, reason=exc.strerror or str(exc))
    facts = {"size": incoming.size, "sha256": incoming.sha256}
    try:
        if task.dry_run:
            library.examine(incoming, task.name)
            return Result(task.path, WOULD_ACCEPT, **facts)
        image = library.store(
            incoming, task.name, uploaded_by=_user(task.user_id), restoring=task.uploaded_at
        )
        return Result(task.path, ACCEPTED, image_id=image.pk, **facts)
    except Refusal as refusal:
        if refusal.code == "duplicate":
            of = refusal.extra["duplicate_of"]
            return Result(
                task.path, DUPLICATE, "duplicate", duplicate_of=of, reason=refusal.detail, **facts
            )
        return Result(task.path, REFUSED, refusal.code, reason=refusal.detail, **facts)
    except Exception as exc:  # a bug or a broken database must not stop the other files
        log.exception("import: %s failed", task.path)
        return Result(task.path, ERROR, INTERNAL_ERROR, reason=repr(exc), **facts)


def _user(user_id: int | None):
    if user_id is None:
        return None
    return get_user_model().objects.get(pk=user_id)
