"""The zip format, written entry by entry exactly as Python's zipfile writes it for `exporters.packaging`.

Why not zipfile itself: for each entry it builds a ZipInfo, packs the local header twice, opens a compressor stream
object and seeks three times (to the end, back to the header it rewrites with the sizes, forward again; on a file
each seek is a flush and a system call). For a 50,000-item package that per-entry work cost as much as a third of
the compression itself. Here an entry given whole (`write`) is compressed first, so its header is written once
with its sizes and nothing seeks; an entry streamed (`open`) is written as zipfile writes it: header, data, then
the header again with the sizes (or, on an output that cannot seek, a data descriptor after the data).

The bytes are zipfile's for the same entries (deflate at the given level, wbits -15, zipfile's default memory
level; version 2.0; the UTF-8 flag for non-ASCII names; zip64 records for more than 65,535 entries or offsets past
zipfile's 2 GiB limit), which tests/exporters/test_zip_writer.py checks against zipfile; any zip reader reads them.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import BinaryIO

ZIP64_LIMIT = (1 << 31) - 1  # zipfile's: past it, sizes and offsets go in zip64 records
FILE_COUNT_LIMIT = (1 << 16) - 1
VERSION, ZIP64_VERSION = 20, 45
DEFLATED = 8
UTF8_NAME, DATA_DESCRIPTOR = 0x800, 0x08
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_END64 = struct.Struct("<4sQ2H2L4Q")
_LOCATOR64 = struct.Struct("<4sLQL")
_DESCRIPTOR = struct.Struct("<LLLL")


def dos_date_time(date_time: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    return (year - 1980) << 9 | month << 5 | day, hour << 11 | minute << 5 | second // 2


@dataclass
class _Entry:
    name: bytes
    flags: int
    offset: int
    crc: int = 0
    compressed: int = 0
    size: int = 0


class ZipWriter:
    """Entries with one timestamp, one Unix mode and deflate at one level; `close` writes the central directory."""

    def __init__(self, out: BinaryIO, *, date_time: tuple[int, int, int, int, int, int], mode: int, level: int,
                 system: int) -> None:
        self._out = out
        self._seekable = _seekable(out)
        self._position = out.tell() if self._seekable else 0
        self._date, self._time = dos_date_time(date_time)
        self._attributes = mode << 16
        self._level = level
        self._system = system
        self._entries: list[_Entry] = []

    def write(self, name: str, data: bytes) -> None:
        """One whole entry: compressed first, so the header carries the sizes (unless the output cannot seek)."""
        if not self._seekable:
            with self.open(name) as stream:
                stream.write(data)
            return
        compressor = zlib.compressobj(self._level, zlib.DEFLATED, -15)
        compressed = compressor.compress(data) + compressor.flush()
        entry = self._entry(name)
        entry.crc, entry.compressed, entry.size = zlib.crc32(data), len(compressed), len(data)
        _check_size(entry)
        header = self._header(entry)
        self._out.write(header)
        self._out.write(compressed)
        self._position += len(header) + len(compressed)

    def open(self, name: str) -> EntryStream:
        """A stream into the entry `name`, compressed as it is written; closing it finishes the entry."""
        entry = self._entry(name)
        if not self._seekable:
            entry.flags |= DATA_DESCRIPTOR
        header = self._header(entry)
        self._out.write(header)
        self._position += len(header)
        return EntryStream(self, entry)

    def close(self) -> None:
        """The central directory and the end records (zip64 ones when the counts or offsets need them)."""
        start = self._position
        out = self._out
        for e in self._entries:
            extra, offset, version = b"", e.offset, VERSION
            if e.offset > ZIP64_LIMIT:
                extra, offset, version = struct.pack("<HHQ", 1, 8, e.offset), 0xFFFFFFFF, ZIP64_VERSION
            record = _CENTRAL.pack(b"PK\001\002", version, self._system, version, 0, e.flags, DEFLATED, self._time,
                                   self._date, e.crc, e.compressed, e.size, len(e.name), len(extra), 0, 0, 0,
                                   self._attributes, offset)
            out.write(record + e.name + extra)
            self._position += len(record) + len(e.name) + len(extra)
        count, size = len(self._entries), self._position - start
        if count > FILE_COUNT_LIMIT or start > ZIP64_LIMIT or size > ZIP64_LIMIT:
            out.write(_END64.pack(b"PK\006\006", 44, ZIP64_VERSION, ZIP64_VERSION, 0, 0, count, count, size, start))
            out.write(_LOCATOR64.pack(b"PK\006\007", 0, self._position, 1))
            count, size, start = min(count, 0xFFFF), min(size, 0xFFFFFFFF), min(start, 0xFFFFFFFF)
        out.write(_END.pack(b"PK\005\006", 0, 0, count, count, size, start, 0))
        out.flush()

    def _entry(self, name: str) -> _Entry:
        try:
            encoded, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            encoded, flags = name.encode("utf-8"), UTF8_NAME
        entry = _Entry(encoded, flags, self._position)
        self._entries.append(entry)
        return entry

    def _header(self, e: _Entry) -> bytes:
        crc, compressed, size = (0, 0, 0) if e.flags & DATA_DESCRIPTOR else (e.crc, e.compressed, e.size)
        return _LOCAL.pack(b"PK\003\004", VERSION, 0, e.flags, DEFLATED, self._time, self._date, crc, compressed,
                           size, len(e.name), 0) + e.name

    def _finish(self, entry: _Entry, written: int) -> None:
        """After a streamed entry's data: its data descriptor, or its header again with the sizes."""
        self._position += written
        _check_size(entry)
        if entry.flags & DATA_DESCRIPTOR:
            descriptor = _DESCRIPTOR.pack(0x08074B50, entry.crc, entry.compressed, entry.size)
            self._out.write(descriptor)
            self._position += len(descriptor)
            return
        self._out.seek(entry.offset)
        self._out.write(self._header(entry))
        self._out.seek(self._position)


class EntryStream:
    """The binary stream `ZipWriter.open` returns: what is written is checksummed and compressed."""

    def __init__(self, zip_writer: ZipWriter, entry: _Entry) -> None:
        self._zip = zip_writer
        self._entry = entry
        self._compressor = zlib.compressobj(zip_writer._level, zlib.DEFLATED, -15)
        self._written = 0
        self.closed = False

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        entry = self._entry
        entry.crc = zlib.crc32(data, entry.crc)
        entry.size += len(data)
        compressed = self._compressor.compress(data)
        if compressed:
            self._zip._out.write(compressed)
            self._written += len(compressed)
        return len(data)

    def flush(self) -> None:
        """Nothing to do: the data goes out as the compressor gives it."""

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        tail = self._compressor.flush()
        self._zip._out.write(tail)
        self._written += len(tail)
        self._entry.compressed = self._written
        self._zip._finish(self._entry, self._written)

    def __enter__(self) -> EntryStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_size(entry: _Entry) -> None:
    if entry.size > ZIP64_LIMIT or entry.compressed > ZIP64_LIMIT:
        raise ValueError(f"zip entry {entry.name.decode('utf-8')!r} is over 2 GiB; split the package")


def _seekable(out: BinaryIO) -> bool:
    try:
        return bool(out.seekable())
    except (AttributeError, OSError, ValueError):
        return False
