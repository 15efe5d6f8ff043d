"""jpeg.read_layout(): the marker segments of a JPEG, walked without decoding."""

from photoshelf.ingest import jpeg
from tests.factories import flat_jpeg, photo, with_repeated_last_scan


def write(tmp_path, data: bytes):
    path = tmp_path / "upload.jpg"
    path.write_bytes(data)
    return path


def test_it_counts_the_scans_of_baseline_and_progressive_files(tmp_path):
    assert jpeg.read_layout(write(tmp_path, photo(size=(64, 48)))).scans == 1
    assert jpeg.read_layout(write(tmp_path, flat_jpeg(progressive=True))).scans == 10
    assert jpeg.read_layout(write(tmp_path, flat_jpeg("L", progressive=True))).scans == 6


def test_it_counts_repeated_scans_and_stops_once_past_the_bound(tmp_path):
    data = flat_jpeg("L", progressive=True)
    assert jpeg.read_layout(write(tmp_path, with_repeated_last_scan(data, 40))).scans == 40
    repeated = with_repeated_last_scan(data, 5000)
    assert jpeg.read_layout(write(tmp_path, repeated)).scans == jpeg.MAX_SCANS + 1


def test_it_stops_at_the_first_images_end(tmp_path):
    first = flat_jpeg(progressive=True)
    assert jpeg.read_layout(write(tmp_path, first + flat_jpeg())).scans == 10  # MPO-like


def test_it_reads_nothing_from_what_is_not_a_jpeg(tmp_path):
    assert jpeg.read_layout(write(tmp_path, b"\xff\xd8\xff")).scans == 0
    assert jpeg.read_layout(write(tmp_path, b"\xff\xd8\xff\xda\x00")).scans == 0
