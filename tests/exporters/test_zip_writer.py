"""`exporters.packaging` writes, through its own zip writer, the bytes Python's zipfile writes for the same entries."""

from __future__ import annotations

import io
import zipfile

import pytest

from exporters.packaging import COMPRESS_LEVEL, FILE_MODE, UNIX, ZIP_EPOCH, PackageError, PackageWriter

ENTRIES = [  # (name, chunks, streamed)
    ("a.txt", [b"hello " * 400], False),
    ("b/empty.xml", [], False),
    ("b/streamed.xml", [b"<x>" * 3000, b"", "Ünïcödé — 日本語 ✓".encode() * 50], True),
    ("c/\u00fcber.txt", [b"non-ASCII name"], False),
    ("d/random.bin", [bytes(range(256)) * 64], False),
]


class Sink(io.RawIOBase):
    """A seekable output that starts at `start` (a stand-in for a package past 2 GiB) or cannot seek at all."""

    def __init__(self, start: int = 0, seekable: bool = True) -> None:
        self.start, self.position, self.data, self._seekable = start, start, bytearray(), seekable

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._seekable

    def tell(self) -> int:
        if not self._seekable:
            raise OSError("not seekable")
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        if not self._seekable:
            raise OSError("not seekable")
        self.position = offset if whence == 0 else self.start + len(self.data)
        return self.position

    def write(self, b: bytes) -> int:
        at = self.position - self.start
        self.data[at:at + len(b)] = b
        self.position += len(b)
        return len(b)


def _with_zipfile(out, entries) -> None:  # noqa: ANN001
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as z:
        for name, chunks, _ in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type, info.create_system, info.external_attr = zipfile.ZIP_DEFLATED, UNIX, FILE_MODE << 16
            with z.open(info, "w", force_zip64=False) as stream:
                for chunk in chunks:
                    stream.write(chunk)


def _with_package_writer(out, entries) -> None:  # noqa: ANN001
    with PackageWriter(out) as pkg:
        for name, chunks, streamed in entries:
            if streamed:
                with pkg.open(name) as stream:
                    for chunk in chunks:
                        stream.write(chunk)
            else:
                pkg.write(name, b"".join(chunks))


@pytest.mark.parametrize("sink", [
    lambda: Sink(),
    lambda: Sink(seekable=False),  # zipfile's data descriptors
    lambda: Sink(start=3 << 30),  # offsets past 2 GiB: zip64 extras and end records
], ids=["seekable", "not-seekable", "past-2GiB"])
def test_the_bytes_are_zipfiles(sink):
    ours, theirs = sink(), sink()
    _with_package_writer(ours, ENTRIES)
    _with_zipfile(theirs, ENTRIES)
    assert bytes(ours.data) == bytes(theirs.data)


def test_more_entries_than_a_plain_zip_holds_get_zip64_end_records():
    entries = [(f"e/{n:06d}.txt", [b"x"], False) for n in range(70_000)]
    ours, theirs = io.BytesIO(), io.BytesIO()
    _with_package_writer(ours, entries)
    _with_zipfile(theirs, entries)
    assert ours.getvalue() == theirs.getvalue()
    assert len(zipfile.ZipFile(ours).infolist()) == 70_000


def test_every_entry_reads_back_with_its_content_and_checksum():
    out = io.BytesIO()
    _with_package_writer(out, ENTRIES)
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        assert {n: z.read(n) for n in z.namelist()} == {name: b"".join(chunks) for name, chunks, _ in ENTRIES}


def test_no_entry_starts_while_another_is_streamed():
    with PackageWriter(io.BytesIO()) as pkg, pkg.open("a.xml") as stream:
        stream.write(b"<a/>")
        with pytest.raises(PackageError, match="still being written"):
            pkg.write("b.xml", b"<b/>")
