"""Which files an import covers, in which order, and the names it gives them."""

from pathlib import Path

from photoshelf.importer.discovery import discover, survey


def tree(root: Path) -> Path:
    for name in ["b.jpg", "a.jpg", ".DS_Store", "sub/c.jpg", "sub/deeper/d.jpg", ".hidden/e.jpg"]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"x" * 10)
    return root


def test_it_lists_only_the_folder_itself_unless_recursive(tmp_path):
    root = tree(tmp_path)
    assert [f.path.name for f in discover([root], recursive=False)] == ["a.jpg", "b.jpg"]


def test_it_walks_sub_folders_in_name_order_and_skips_hidden_entries(tmp_path):
    root = tree(tmp_path)
    found = [f.path.relative_to(root).as_posix() for f in discover([root], recursive=True)]
    assert found == ["a.jpg", "b.jpg", "sub/c.jpg", "sub/deeper/d.jpg"]
    assert survey([root], recursive=True) == (4, 40)


def test_it_names_by_stem_as_an_upload_does_or_by_the_path_below_the_folder(tmp_path):
    root = tree(tmp_path)
    deep = next(f for f in discover([root], recursive=True) if f.path.name == "d.jpg")
    assert deep.name("stem") is None  # the pipeline then uses the file name's stem
    assert deep.name("path") == "sub/deeper/d"


def test_it_takes_a_file_given_by_name_whatever_it_is_called(tmp_path):
    root = tree(tmp_path)
    found = list(discover([root / ".DS_Store"], recursive=False))
    assert [(f.path.name, f.name("path")) for f in found] == [(".DS_Store", None)]
