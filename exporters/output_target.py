"""Where an export goes: a regular file (replaced atomically), stdout (`-o -`), or a device or FIFO written in place.

Why: writing through a temporary file renamed over the target keeps a failed export from leaving half a file, but
renamed over `/dev/full` (as root) it replaced the device with a file. So only a regular file (or a new path) is
replaced; a character device or a FIFO is opened and written like any program writes to it; a symbolic link is
followed and stays a link; a block device, a socket or a dangling link is refused. Outputs that are not regular
files get the export only once it is complete (spooled first), so they receive the same bytes as a file would
(zips are written seekable) and nothing at all when the export fails.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

STDOUT = "-"  # the -o value that means standard output (a file named "-" is written as ./-)
TEXT_SUFFIXES = (".xml", ".txt", ".html")  # formats a terminal can show; any other suffix is binary (a zip)
SPOOL_BYTES = 32 * 1024 * 1024  # exports larger than this spool to a temporary file instead of memory

Writer = Callable[[BinaryIO], None]


class OutputRefused(Exception):
    """An output the export must not write to: the message is one line saying what and how to fix it."""


def is_stdout(output: Path | str) -> bool:
    return str(output) == STDOUT


def stdout_problem(fmt: str, suffix: str, folder_output: bool, stdout_is_tty: bool) -> str | None:
    """Why `-o -` cannot take this export (None when it can): a folder of files, or binary data for a terminal."""
    if folder_output:
        return (f"-o {STDOUT} writes one file to stdout, but --format {fmt} writes one file per format; "
                "give a folder with -o, or one --format")
    if stdout_is_tty and not suffix.endswith(TEXT_SUFFIXES):
        return (f"--format {fmt} is a binary {suffix} file and stdout is a terminal; redirect it "
                f"(-o {STDOUT} > file{suffix}) or give a file with -o")
    return None


def write_when_complete(write: Writer, out: BinaryIO) -> None:
    """The whole export to `out` (stdout, a device, a FIFO), written once it is complete: a failed export writes
    nothing, and a zip comes out byte for byte as in a file (zipfile writes a seekable spool differently)."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        write(spool)
        spool.seek(0)
        try:
            shutil.copyfileobj(spool, out)
            out.flush()
        except BrokenPipeError:
            _silence(out)  # else Python reports the broken pipe again when it flushes stdout at exit
            raise


def target_problem(path: Path) -> str | None:
    """Why the export will not write to `path` (None when it will): a dangling link, a folder, a block device, a
    socket. Checked before the bank is loaded, and again when writing."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        if path.is_symlink():
            return (f"{path} is a symbolic link to {os.readlink(path)}, which does not exist; give the target's "
                    "path or remove the link")
        return None  # a new file
    except OSError as exc:  # a file where the path needs a folder, and the like: the write says so in one line
        return f"{path} is a loop of symbolic links; give a file's path" if exc.errno == errno.ELOOP else None
    if stat.S_ISREG(mode) or stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return None
    what = ("a folder" if stat.S_ISDIR(mode) else "a block device (a disk)" if stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    return f"{path} is {what}; give the path of a file to write (or -o {STDOUT} for stdout)"


def write_path(path: Path, write: Writer) -> Path:
    """Write the export to `path` without ever replacing something that is not a regular file; returns the path
    written (a link's target). Raises OutputRefused for an output it will not touch, OSError when writing fails."""
    if problem := target_problem(path):
        raise OutputRefused(problem)
    path = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        _write_in_place(path, write, fifo=stat.S_ISFIFO(mode))
        return path
    return _replace_file(path, write)


def write_problem(target: str, exc: OSError) -> str:
    """One line for a failed write: what failed, where, and what to do about it."""
    reasons = {
        errno.ENOSPC: "no space left on the device; free some space or write elsewhere",
        errno.EPIPE: "the reader closed the pipe before the export was complete",
        errno.ENXIO: "no process is reading the FIFO; start the reader first",
        errno.EACCES: "permission denied; choose a path you can write to",
        errno.EROFS: "the file system is read-only; choose a path you can write to",
        errno.ENOTDIR: "a part of the path is a file, not a folder; check the path",
    }
    reason = reasons.get(exc.errno) or f"{exc.strerror or exc}; check the path"
    return f"cannot write {target}: {reason}"


def _replace_file(path: Path, write: Writer) -> Path:
    """A regular file, replaced atomically: a failed export never leaves a half-written file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    try:
        with tmp.open("wb") as out:
            write(out)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _write_in_place(path: Path, write: Writer, *, fifo: bool) -> None:
    """A character device or FIFO, opened for writing (never truncated, created or renamed over)."""
    flags = os.O_WRONLY | (os.O_NONBLOCK if fifo else 0)  # a FIFO nobody reads fails at once (ENXIO), no hang
    fd = os.open(path, flags)
    if fifo:
        os.set_blocking(fd, True)
    with os.fdopen(fd, "wb") as out:
        write_when_complete(write, out)


def _silence(stream: BinaryIO) -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (e.g. a test runner's buffer)
        pass
