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


def test_a_file_with_every_scan_is_complete(tmp_path):
    for options in [{}, {"progressive": True}, {"restart_marker_rows": 1}]:
        assert jpeg.read_layout(write(tmp_path, flat_jpeg(**options))).complete


def test_a_progressive_file_missing_its_later_scans_is_incomplete(tmp_path):
    data = flat_jpeg(progressive=True)
    fifth_scan = [i for i in range(len(data)) if data.startswith(b"\xff\xda", i)][4]
    layout = jpeg.read_layout(write(tmp_path, data[:fifth_scan] + b"\xff\xd9"))
    assert (layout.scans, layout.complete) == (4, False)


def test_a_scan_with_fewer_bits_than_blocks_is_incomplete(tmp_path):
    data = bytearray(flat_jpeg())
    frame = data.find(b"\xff\xc0")
    data[frame + 5 : frame + 9] = (4000).to_bytes(2, "big") * 2  # 250,000 blocks of Y alone
    assert not jpeg.read_layout(write(tmp_path, bytes(data))).complete


def test_it_finds_where_a_single_scan_ends_and_counts_its_restart_intervals(tmp_path):
    data = flat_jpeg(restart_marker_rows=1)  # 64×48 at 4:2:0: three MCU rows
    layout = jpeg.read_layout(write(tmp_path, data))
    assert layout.data_end == len(data) - 2  # the end marker
    assert layout.intervals == (3, 3)


def test_windows_of_any_size_give_the_same_layout(tmp_path, monkeypatch):
    """The file is read a window at a time: a marker split across two windows is found once."""
    files = [
        photo(size=(640, 480)),
        flat_jpeg(progressive=True),
        flat_jpeg(restart_marker_rows=1),
        with_repeated_last_scan(flat_jpeg("L", progressive=True), 40),
    ]
    for data in files:
        path = write(tmp_path, data)
        whole = jpeg.read_layout(path)
        for window in (2, 3, 7, 64, 1000):
            monkeypatch.setattr(jpeg, "WINDOW_BYTES", window)
            assert jpeg.read_layout(path) == whole, window
        monkeypatch.undo()
    assert whole.scans == 40


def test_the_file_is_read_not_mapped(tmp_path, monkeypatch):
    """A mapping's pages count in the worker's resident memory: a 100 MB upload scanned
    through mmap added 100 MB to a worker's peak (the memory benchmark's figure)."""
    import mmap

    def refuse(*args, **kwargs):
        raise AssertionError("read_layout mapped the file")

    monkeypatch.setattr(mmap, "mmap", refuse)
    layout = jpeg.read_layout(write(tmp_path, photo(size=(640, 480))))
    assert layout.scans == 1 and layout.data_end
