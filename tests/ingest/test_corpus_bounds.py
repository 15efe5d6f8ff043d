"""Every corpus file, broken ones included, through decode, metadata and renditions in a child
process: only refusals escape, and peak memory stays bounded. (Time per file is measured by
`make bench`, never asserted.)"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

MAX_PEAK_MIB = 512  # measured: about 200 MiB for the whole corpus, HEIC phone photos included

SCRIPT = """
import json, resource, sys
from pathlib import Path
from photoshelf.ingest import decode, metadata, renditions
from photoshelf.core.refusals import Refusal
outcomes = {}
for path in sorted(p for p in Path(sys.argv[1]).rglob("*") if p.is_file()):
    try:
        opened = decode.open_image(path, max_pixels=200_000_000)
        with opened.image:
            facts = metadata.read_metadata(opened.image, name=path.name)
            renditions.render(opened, facts.orientation, name=path.name)
        outcomes[str(path)] = "ok"
    except Refusal as refusal:
        outcomes[str(path)] = refusal.code
# VmHWM: this process's own high-water mark. (ru_maxrss would also count the pytest process it
# was forked from, whose size depends on what ran before.)
status = Path("/proc/self/status")
if status.exists():
    line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
    peak = int(line.split()[1]) // 1024
else:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps({"peak_mib": peak, "outcomes": outcomes}))
"""


def test_every_corpus_file_is_processed_or_refused_within_bounded_memory(corpus):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(corpus)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    outcomes = report["outcomes"]
    assert set(outcomes.values()) <= {"ok", "not-an-image"}, outcomes
    broken = [
        k
        for k in outcomes
        if k.endswith((".jpg", ".jpeg"))
        and ("/jpg/invalid/" in k or "/jpg/tests/" in k or k.endswith("/jpg/corrupted.jpg"))
    ]
    assert len(broken) == 20  # the deliberately broken files are among them
    assert report["peak_mib"] < MAX_PEAK_MIB, report["peak_mib"]
