"""Spool files of uploads whose server process died are removed when `photoshelf serve` starts."""

import os
import time

from photoshelf.ingest.incoming import remove_stale_spool_files


def test_only_spool_files_untouched_for_a_day_are_removed(tmp_path):
    stale, fresh, other = (
        tmp_path / "tmpa.upload.jpg",
        tmp_path / "tmpb.upload.jpg",
        tmp_path / "notes.txt",
    )
    for path in (stale, fresh, other):
        path.write_bytes(b"x")
    day_ago = time.time() - 24 * 3600 - 60
    os.utime(stale, (day_ago, day_ago))
    os.utime(other, (day_ago, day_ago))
    assert remove_stale_spool_files(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "tmpb.upload.jpg"]
