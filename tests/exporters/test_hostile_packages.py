"""Hostile packages are refused with one line and exit 1, write nothing, and keep memory bounded."""

from __future__ import annotations

import base64
import os
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from exporters.qti_import import ImportRefused, read_package
from exporters.safe_zip import Limits
from item_bank.cli import main
from tests.exporters.zip_packages import ITEM, QTI, make_zip, manifest


def assert_refused(package: Path, tmp_path: Path, fragment: str) -> None:
    """The CLI prints one error line naming the problem, exits 1, and writes nothing anywhere."""
    out = tmp_path / "out"
    before = sorted(p.name for p in tmp_path.parent.iterdir())
    result = CliRunner().invoke(main, ["import", str(package), "-o", str(out)])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert fragment in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.rglob("*"))
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == before


def test_a_plain_valid_package_imports(tmp_path):
    package = make_zip(tmp_path / "ok.zip", {"imsmanifest.xml": manifest(), "item.xml": ITEM})
    assert [i.id for i in read_package(package).items] == ["x1"]


def test_external_entity_xxe_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    doctype = f'<!DOCTYPE manifest [<!ENTITY x SYSTEM "file://{secret}">]>'
    text = manifest(doctype=doctype).replace("<organizations/>", "<organizations>&x;</organizations>")
    package = make_zip(tmp_path / "xxe.zip", {"imsmanifest.xml": text, "item.xml": ITEM})
    assert_refused(package, tmp_path, "DOCTYPE")


def test_external_entity_in_an_item_is_refused(tmp_path):
    item = '<!DOCTYPE a [<!ENTITY x SYSTEM "http://127.0.0.1:9/evil">]>' + ITEM.replace(">Yes<", ">&x;<")
    package = make_zip(tmp_path / "xxe-item.zip", {"imsmanifest.xml": manifest(), "item.xml": item})
    assert_refused(package, tmp_path, "DOCTYPE")


def test_entity_expansion_bomb_is_refused(tmp_path):
    levels = "".join(f'<!ENTITY e{n} "{f"&e{n - 1};" * 10}">' for n in range(1, 10))
    doctype = f'<!DOCTYPE manifest [<!ENTITY e0 "lol">{levels}]>'
    text = manifest(doctype=doctype).replace("<organizations/>", "<organizations>&e9;</organizations>")
    package = make_zip(tmp_path / "bomb.zip", {"imsmanifest.xml": text, "item.xml": ITEM})
    assert_refused(package, tmp_path, "entity expansion")


def test_entry_climbing_out_with_dot_dot_is_refused(tmp_path):
    package = make_zip(tmp_path / "dotdot.zip", {"imsmanifest.xml": manifest(), "item.xml": ITEM,
                                                 "../../evil.xml": "<x/>"})
    assert_refused(package, tmp_path, "'..'")


def test_absolute_entry_is_refused(tmp_path):
    package = make_zip(tmp_path / "abs.zip", {"imsmanifest.xml": manifest(), "item.xml": ITEM,
                                              "/tmp/evil.xml": "<x/>"})
    assert_refused(package, tmp_path, "absolute")


def test_symlink_entry_is_refused(tmp_path):
    package = make_zip(tmp_path / "link.zip", {"imsmanifest.xml": manifest(), "item.xml": "/etc/passwd"},
                       links=("item.xml",))
    assert_refused(package, tmp_path, "symbolic link")


def test_symlink_in_an_unzipped_folder_is_refused(tmp_path):
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "imsmanifest.xml").write_text(manifest())
    os.symlink("/etc/passwd", folder / "item.xml")
    assert_refused(folder, tmp_path, "symbolic link")


def test_zip_bomb_by_ratio_is_refused_without_inflating_it(tmp_path):
    package = make_zip(tmp_path / "ratio.zip", {"imsmanifest.xml": manifest(), "item.xml": b"<a>" + b" " * 20_000_000
                                                + b"</a>"})
    tracemalloc.start()
    with pytest.raises(ImportRefused, match="zip bomb"):
        read_package(package)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * 1024 * 1024
    assert_refused(package, tmp_path, "zip bomb")


def test_zip_bomb_by_total_size_is_refused(tmp_path):
    entries: dict[str, bytes | str] = {"imsmanifest.xml": manifest()}
    entries.update({f"filler{n}.bin": os.urandom(300_000) for n in range(4)})
    entries["item.xml"] = ITEM
    package = make_zip(tmp_path / "total.zip", entries)
    with pytest.raises(ImportRefused, match="more than 1000000 bytes"):
        read_package(package, limits=Limits(total_bytes=1_000_000))


def test_an_entry_that_inflates_past_its_limit_while_read_is_stopped(tmp_path):
    package = make_zip(tmp_path / "big.zip", {"imsmanifest.xml": manifest(), "item.xml": ITEM + " " * 50_000})
    with pytest.raises(ImportRefused, match="bytes"):
        read_package(package, limits=Limits(entry_bytes=20_000, ratio=10_000))


def test_huge_xml_is_refused(tmp_path):
    noise = base64.b64encode(os.urandom(13_000_000))  # ~17 MB that does not compress: passes the ratio check
    item = ITEM.replace(">Yes<", ">" + noise.decode() + "<")
    package = make_zip(tmp_path / "huge.zip", {"imsmanifest.xml": manifest(), "item.xml": item})
    assert_refused(package, tmp_path, "more than")


def test_deeply_nested_xml_is_refused(tmp_path):
    noise = base64.b64encode(os.urandom(30_000)).decode()  # keeps the compression ratio ordinary
    item = ITEM.replace(">Yes<", ">" + noise + "<span>" * 300 + "</span>" * 300 + "<")
    package = make_zip(tmp_path / "deep.zip", {"imsmanifest.xml": manifest(), "item.xml": item})
    assert_refused(package, tmp_path, "nested deeper")


def test_manifest_in_a_wrong_namespace_is_refused(tmp_path):
    package = make_zip(tmp_path / "ns.zip", {"imsmanifest.xml": manifest(ns="http://example.com/not-ims"),
                                             "item.xml": ITEM})
    assert_refused(package, tmp_path, "not an IMS content package manifest")


def test_item_in_a_wrong_namespace_is_refused(tmp_path):
    item = ITEM.replace(QTI, "http://www.imsglobal.org/xsd/imsqti_v9")
    package = make_zip(tmp_path / "item-ns.zip", {"imsmanifest.xml": manifest(), "item.xml": item})
    assert_refused(package, tmp_path, "is not QTI 2.1, 2.2 or 3.0")


def test_missing_manifest_is_refused(tmp_path):
    package = make_zip(tmp_path / "nomanifest.zip", {"item.xml": ITEM})
    assert_refused(package, tmp_path, "no imsmanifest.xml")


def test_file_named_by_the_manifest_but_absent_is_refused(tmp_path):
    package = make_zip(tmp_path / "absent.zip", {"imsmanifest.xml": manifest(extra_files=("img/missing.png",)),
                                                 "item.xml": ITEM})
    assert_refused(package, tmp_path, "'img/missing.png'")


def test_not_a_zip_is_refused(tmp_path):
    package = tmp_path / "fake.zip"
    package.write_bytes(b"this is not a zip")
    assert_refused(package, tmp_path, "not a readable zip")


def test_nesting_past_our_own_depth_limit_is_refused():
    from exporters.safe_xml import MAX_DEPTH, UnsafeXml, parse

    deep = b"<a>" * (MAX_DEPTH + 10) + b"</a>" * (MAX_DEPTH + 10)
    with pytest.raises(UnsafeXml, match=f"deeper than {MAX_DEPTH}"):
        parse(deep, "deep.xml")
