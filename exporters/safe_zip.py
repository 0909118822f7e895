"""Reading an untrusted package (a zip, or an unzipped folder) without letting it escape, explode or exhaust memory.

Why: `cps-assess import` opens files that came from anywhere. A zip can name entries `../../etc/x` or `/abs`,
hold symlinks, or inflate a few kilobytes into gigabytes. Nothing is ever extracted to disk here: entries are read
into memory one at a time through a bounded stream, after checking names, entry types, the declared sizes, the
compression ratio and the running total, and the stream stops at the limit even if the declared size lies.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

MAX_ENTRIES = 20_000
MAX_ENTRY_BYTES = 32 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, per entry (above 1 KiB)
CHUNK = 64 * 1024


class UnsafePackage(ValueError):
    """The package is refused; the message says what and where, in one line."""


@dataclass(frozen=True)
class Limits:
    entries: int = MAX_ENTRIES
    entry_bytes: int = MAX_ENTRY_BYTES
    total_bytes: int = MAX_TOTAL_BYTES
    ratio: int = MAX_RATIO


def safe_name(name: str) -> str:
    """The entry name as a relative POSIX path, or `UnsafePackage` for `..`, absolute, drive or odd names."""
    if not name or "\x00" in name or "\\" in name:
        raise UnsafePackage(f"zip entry {name!r} has an unsafe name; refusing the package")
    path = PurePosixPath(name)
    if path.is_absolute() or (path.parts and ":" in path.parts[0]):
        raise UnsafePackage(f"zip entry {name!r} is an absolute path; refusing the package")
    if any(part == ".." for part in path.parts):
        raise UnsafePackage(f"zip entry {name!r} climbs out of the package with '..'; refusing the package")
    return "/".join(p for p in path.parts if p != ".")


class PackageReader:
    """Entries of a zip file or a folder, by normalised relative name, read with limits."""

    def __init__(self, source: Path, limits: Limits = Limits()) -> None:
        self.source = source
        self.limits = limits
        self._read_total = 0
        self._zip: zipfile.ZipFile | None = None
        self._entries: dict[str, zipfile.ZipInfo | Path] = {}
        if source.is_dir():
            self._scan_folder(source)
        else:
            self._scan_zip(source)

    def __enter__(self) -> PackageReader:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._zip is not None:
            self._zip.close()

    @property
    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: str) -> bool:
        return _normal(name) in self._entries

    def read(self, name: str) -> bytes:
        """The bytes of one entry; refuses an entry that is missing or would pass a limit while being read."""
        key = _normal(name)
        entry = self._entries.get(key)
        if entry is None:
            raise UnsafePackage(f"{self.source.name}: the manifest names {name!r} but the package has no such file")
        if isinstance(entry, Path):
            if entry.stat().st_size > self.limits.entry_bytes:
                raise UnsafePackage(f"{key}: larger than {self.limits.entry_bytes} bytes; refusing the package")
            with entry.open("rb") as stream:
                return self._bounded(stream, key)
        assert self._zip is not None
        with self._zip.open(entry) as stream:
            return self._bounded(stream, key)

    def _bounded(self, stream, key: str) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            self._read_total += len(chunk)
            if size > self.limits.entry_bytes:
                raise UnsafePackage(f"{key}: inflates past {self.limits.entry_bytes} bytes (zip bomb?); "
                                    "refusing the package")
            if self._read_total > self.limits.total_bytes:
                raise UnsafePackage(f"{key}: the package inflates past {self.limits.total_bytes} bytes in total "
                                    "(zip bomb?); refusing the package")
            chunks.append(chunk)
        return b"".join(chunks)

    def _scan_zip(self, source: Path) -> None:
        try:
            self._zip = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError) as exc:
            raise UnsafePackage(f"{source.name}: not a readable zip file ({exc}); give a .zip package or a "
                                "folder") from None
        infos = self._zip.infolist()
        if len(infos) > self.limits.entries:
            raise UnsafePackage(f"{source.name}: {len(infos)} entries, more than {self.limits.entries}; refusing")
        declared = 0
        for info in infos:
            name = safe_name(info.filename)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise UnsafePackage(f"zip entry {info.filename!r} is a symbolic link; refusing the package")
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise UnsafePackage(f"zip entry {info.filename!r} is encrypted; refusing the package")
            if info.file_size > self.limits.entry_bytes:
                raise UnsafePackage(f"zip entry {info.filename!r} declares {info.file_size} bytes, more than "
                                    f"{self.limits.entry_bytes}; refusing the package")
            if info.file_size > 1024 and info.file_size > self.limits.ratio * max(info.compress_size, 1):
                ratio = info.file_size // max(info.compress_size, 1)
                raise UnsafePackage(f"zip entry {info.filename!r} compresses {ratio}:1, more than "
                                    f"{self.limits.ratio}:1 (zip bomb?); refusing the package")
            declared += info.file_size
            if declared > self.limits.total_bytes:
                raise UnsafePackage(f"{source.name}: declares more than {self.limits.total_bytes} bytes uncompressed "
                                    "(zip bomb?); refusing the package")
            if name in self._entries:
                raise UnsafePackage(f"zip entry {name!r} appears twice; refusing the package")
            self._entries[name] = info

    def _scan_folder(self, root: Path) -> None:
        for path in sorted(root.rglob("*")):
            if path.is_symlink():
                raise UnsafePackage(f"{path.relative_to(root)} is a symbolic link; refusing the package")
            if path.is_file():
                if len(self._entries) >= self.limits.entries:
                    raise UnsafePackage(f"{root.name}: more than {self.limits.entries} files; refusing")
                self._entries[path.relative_to(root).as_posix()] = path


def _normal(name: str) -> str:
    return safe_name(unquote(name.split("#", 1)[0]))
