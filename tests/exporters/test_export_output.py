"""Where `cps-assess export -o` writes: `-o -` is stdout (the same bytes as a file, the messages on stderr; a zip
never onto a terminal), a regular file is replaced atomically, a character device or FIFO is written in place and
stays what it is, a link's target is written and the link stays a link, and what cannot take a file (a block device,
a socket, a dangling link) is refused in one line before the bank is even loaded."""

from __future__ import annotations

import os
import pty
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from exporters.output_target import write_when_complete
from item_bank.cli import main
from tests.conftest import STARTER_BANK

CLI = Path(sys.executable).parent / "cps-assess"


def export(*args: str):
    return CliRunner().invoke(main, ["export", "--bank", str(STARTER_BANK), *args])


def export_process(*args: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), "export", "--bank", str(STARTER_BANK), *args], capture_output=True,
                          timeout=120, **options)


def one_error_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


@pytest.mark.parametrize("fmt", ["qti21", "gift"])
def test_dash_writes_the_same_bytes_to_stdout_as_to_a_file(tmp_path, fmt):
    assert export("--format", fmt, "-o", str(tmp_path / "file")).exit_code == 0
    result = export("--format", fmt, "-o", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == (tmp_path / "file").read_bytes()
    assert f"{fmt}: 11 items -> stdout" in result.stderr


def test_dash_through_a_pipe_gives_a_zip_and_keeps_the_messages_on_stderr(tmp_path):
    done = export_process("--format", "qti30", "-o", "-")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"PK\x03\x04")
    assert b"qti30: 11 items -> stdout" in done.stderr


def test_dash_refuses_every_format_at_once():
    result = export("--format", "all", "-o", "-")
    assert result.exit_code == 2
    assert "writes one file per format" in one_error_line(result.output)


def run_on_a_terminal(*args: str) -> tuple[int, bytes]:
    """The export with stdout on a pseudo-terminal: (exit status, what the terminal received)."""
    main_end, terminal = pty.openpty()
    received = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(main_end, 65536)
            except OSError:  # the terminal side closed
                return
            if not chunk:
                return
            received.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        process = subprocess.run([str(CLI), "export", "--bank", str(STARTER_BANK), *args], stdout=terminal,
                                 stderr=subprocess.PIPE, timeout=120)
    finally:
        os.close(terminal)
        reader.join(timeout=10)
        os.close(main_end)
    return process.returncode, bytes(received) + process.stderr


def test_a_zip_is_not_written_onto_a_terminal():
    status, seen = run_on_a_terminal("--format", "qti21", "-o", "-")
    assert status == 2
    assert "stdout is a terminal" in one_error_line(seen.decode())
    assert b"PK" not in seen


def test_a_text_format_is_shown_on_a_terminal():
    status, seen = run_on_a_terminal("--format", "gift", "-o", "-")
    assert status == 0, seen
    assert b"$CATEGORY:" in seen


def test_a_full_device_fails_in_one_line_and_stays_a_device():
    device = Path("/dev/full")
    if not device.exists():
        pytest.skip("no /dev/full on this system")
    before = device.lstat()
    done = export_process("--format", "moodle-xml", "-o", str(device))
    assert done.returncode == 1
    assert one_error_line(done.stderr.decode()) == (
        "error: cannot write /dev/full: no space left on the device; free some space or write elsewhere")
    after = device.lstat()
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino
    assert not list(Path("/dev").glob(".full.partial"))


def test_a_fifo_is_written_in_place_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    try:
        result = export("--format", "gift", "-o", str(fifo))
    finally:
        reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert export("--format", "gift", "-o", str(tmp_path / "file")).exit_code == 0
    assert received == [(tmp_path / "file").read_bytes()]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_fifo_nobody_reads_is_an_error_not_a_hang(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    done = export_process("--format", "gift", "-o", str(fifo))
    assert done.returncode == 1
    assert "no process is reading the FIFO" in one_error_line(done.stderr.decode())
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_link_is_followed_and_stays_a_link(tmp_path):
    (tmp_path / "exports").mkdir()
    target = tmp_path / "exports" / "bank.xml"
    target.write_text("old")
    link = tmp_path / "latest.xml"
    link.symlink_to(target)
    result = export("--format", "moodle-xml", "-o", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert target.read_text(encoding="utf-8").startswith("<?xml")
    assert not list(tmp_path.rglob("*.partial"))


def test_a_regular_file_is_replaced_whole(tmp_path):
    target = tmp_path / "bank.xml"
    target.write_text("x" * 1_000_000)
    assert export("--format", "moodle-xml", "-o", str(target)).exit_code == 0
    assert target.read_text(encoding="utf-8").rstrip().endswith("</quiz>")


def block_device(folder: Path) -> Path:
    if os.geteuid() != 0:
        pytest.skip("making a block device node needs root")
    node = folder / "disk"
    os.mknod(node, stat.S_IFBLK | 0o600, os.makedev(7, 0))
    return node


def unix_socket(folder: Path) -> Path:
    path = folder / "s"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()
    return path


def dangling_link(folder: Path) -> Path:
    link = folder / "gone.xml"
    link.symlink_to(folder / "nowhere" / "gone.xml")
    return link


@pytest.mark.parametrize(("make", "words"), [
    (block_device, "is a block device (a disk)"),
    (unix_socket, "is a socket"),
    (dangling_link, "which does not exist; give the target's path or remove the link"),
])
def test_what_cannot_take_a_file_is_refused_before_the_bank_is_loaded(tmp_path, make, words):
    target = make(tmp_path)
    before = target.lstat()
    result = CliRunner().invoke(main, ["export", "--format", "gift", "--bank", str(tmp_path / "no-bank"),
                                       "-o", str(target)])
    assert result.exit_code == 2, result.output
    assert words in one_error_line(result.output)
    after = target.lstat()
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)


def test_a_failed_export_writes_nothing_to_stdout():
    class Collected:
        data = b""

        def write(self, chunk: bytes) -> None:
            self.data += chunk

        def flush(self) -> None:
            pass

    def fails_halfway(out) -> None:  # noqa: ANN001
        out.write(b"<quiz>")
        raise ValueError("a broken item")

    stdout = Collected()
    with pytest.raises(ValueError):
        write_when_complete(fails_halfway, stdout)
    assert stdout.data == b""
