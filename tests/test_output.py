"""Tests of safeplan.output: atomic, permission-preserving writes that spare the plan's inputs."""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from safeplan.errors import UsageError
from safeplan.output import OutputDirectory, append_output, write_bytes_to_stdout, write_output

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and symlinks")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _entries(directory: Path) -> list[str]:
    return sorted(entry.name for entry in directory.iterdir())


def test_writes_bytes(tmp_path: Path) -> None:
    target = tmp_path / "report.xlsx"
    write_output(target, b"PK\x03\x04binary")
    assert target.read_bytes() == b"PK\x03\x04binary"
    assert _entries(tmp_path) == ["report.xlsx"]


def test_writes_str_as_utf8_without_bom_or_newline_translation(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    write_output(target, "地区,值\r\n示例市,1\n")
    assert target.read_bytes() == "地区,值\r\n示例市,1\n".encode()


def test_utf8_sig_for_excel(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    write_output(target, "地区\n", encoding="utf-8-sig")
    assert target.read_bytes() == b"\xef\xbb\xbf" + "地区\n".encode()


def test_replaces_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("old old old old", encoding="utf-8")
    write_output(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert _entries(tmp_path) == ["report.md"]


def test_failed_replace_keeps_old_content_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")

    def fail(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(UsageError, match="设备上没有空间") as caught:
        write_output(target, "new")
    assert "report.json" in str(caught.value)
    assert caught.value.hint is None  # one line naming the cause (设备上没有空间)
    assert target.read_text(encoding="utf-8") == "old"
    assert _entries(tmp_path) == ["report.json"]


def test_failed_write_of_new_file_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(UsageError, match="输入/输出错误"):
        write_output(tmp_path / "new.csv", "x")
    assert _entries(tmp_path) == []


def test_interrupt_removes_temporary_and_propagates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.csv"
    target.write_bytes(b"old")

    def interrupt(src: object, dst: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_output(target, b"new")
    assert target.read_bytes() == b"old"
    assert _entries(tmp_path) == ["report.csv"]


def test_refuses_protected_file(tmp_path: Path) -> None:
    config = tmp_path / "indicators.yaml"
    config.write_text("plan: {}\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"indicators\.yaml") as caught:
        write_output(config, "x", protected=[config])
    assert caught.value.hint
    assert config.read_text(encoding="utf-8") == "plan: {}\n"


def test_refuses_protected_file_given_by_another_spelling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    csv = data / "accidents.csv"
    csv.write_text("year\n2020\n", encoding="utf-8")
    monkeypatch.chdir(data)
    with pytest.raises(UsageError, match=r"accidents\.csv"):
        write_output(Path("../data/./accidents.csv"), "x", protected=[csv])
    assert csv.read_text(encoding="utf-8") == "year\n2020\n"


@posix_only
def test_refuses_symlink_to_protected_file(tmp_path: Path) -> None:
    csv = tmp_path / "accidents.csv"
    csv.write_text("year\n2020\n", encoding="utf-8")
    link = tmp_path / "report.csv"
    link.symlink_to(csv)
    with pytest.raises(UsageError, match=r"accidents\.csv"):
        write_output(link, "x", protected=[csv])
    assert csv.read_text(encoding="utf-8") == "year\n2020\n"
    assert link.is_symlink()


@posix_only
def test_refuses_hard_link_to_protected_file(tmp_path: Path) -> None:
    csv = tmp_path / "accidents.csv"
    csv.write_text("year\n2020\n", encoding="utf-8")
    link = tmp_path / "report.csv"
    os.link(csv, link)
    with pytest.raises(UsageError, match="计划读取"):
        write_output(link, "x", protected=[csv])
    assert csv.read_text(encoding="utf-8") == "year\n2020\n"


def test_refuses_protected_file_that_does_not_exist_yet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match=r"gdp\.csv"):
        write_output(Path("gdp.csv"), "x", protected=[tmp_path / "data" / ".." / "gdp.csv"])
    assert _entries(tmp_path) == ["data"]


def test_unprotected_file_next_to_protected_is_written(tmp_path: Path) -> None:
    config = tmp_path / "indicators.yaml"
    config.write_text("plan: {}\n", encoding="utf-8")
    write_output(tmp_path / "report.csv", "x", protected=[config])
    assert (tmp_path / "report.csv").read_text(encoding="utf-8") == "x"


@posix_only
def test_symlink_to_ordinary_file_writes_through(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    write_output(link, "new")
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == "new"


def test_refuses_directory(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="目录") as caught:
        write_output(tmp_path, "x")
    assert caught.value.hint
    assert _entries(tmp_path) == []


def test_refuses_missing_parent_directory(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "report.csv"
    with pytest.raises(UsageError, match="不存在") as caught:
        write_output(target, "x")
    assert caught.value.hint
    assert not (tmp_path / "missing").exists()


def test_refuses_parent_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError):
        write_output(tmp_path / "file" / "report.csv", "y")
    assert (tmp_path / "file").read_text(encoding="utf-8") == "x"


@posix_only
def test_keeps_permissions_of_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    write_output(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert _mode(target) == 0o640
    target.chmod(0o604)
    write_output(target, "newer")
    assert _mode(target) == 0o604


@posix_only
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_new_file_gets_umask_permissions(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        write_output(tmp_path / "report.csv", "x")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "report.csv") == 0o666 & ~umask


def test_unwritable_directory_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def deny(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", deny)
    with pytest.raises(UsageError, match=r"无法写入.*权限不足"):
        write_output(tmp_path / "report.csv", "x")
    monkeypatch.undo()
    assert _entries(tmp_path) == []


class _FakeStdout(io.TextIOWrapper):
    def __init__(self, tty: bool) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8")
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty

    def getbytes(self) -> bytes:
        self.flush()
        raw = self.buffer
        assert isinstance(raw, io.BytesIO)
        return raw.getvalue()


def test_stdout_text_then_bytes_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _FakeStdout(tty=False)
    monkeypatch.setattr(sys, "stdout", fake)
    write_bytes_to_stdout("表头\n")
    write_bytes_to_stdout(b"PK\x03\x04")
    assert fake.getbytes() == "表头\n".encode() + b"PK\x03\x04"


def test_stdout_bytes_come_after_unflushed_text(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _FakeStdout(tty=False)
    monkeypatch.setattr(sys, "stdout", fake)
    print("note", end="")
    write_bytes_to_stdout(b"\x00data")
    raw = fake.buffer
    assert isinstance(raw, io.BytesIO)
    assert raw.getvalue() == b"note\x00data"


def test_stdout_refuses_binary_on_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _FakeStdout(tty=True)
    monkeypatch.setattr(sys, "stdout", fake)
    with pytest.raises(UsageError, match="终端") as caught:
        write_bytes_to_stdout(b"PK\x03\x04")
    assert caught.value.hint is not None and "--output" in caught.value.hint
    assert fake.getbytes() == b""
    write_bytes_to_stdout("text is fine\n")
    assert fake.getbytes() == b"text is fine\n"


# --------------------------------------------------------------------------- not regular files

is_root = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail (TimeoutError) instead of blocking when a FIFO would be opened for writing."""
    import signal

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError("blocked on a FIFO")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, 30)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def device(tmp_path: Path, name: str, minor: int) -> Path:
    """A memory device to write to: a private copy made with mknod when running as root
    (so that a broken writer could never destroy the real one), else the real /dev/NAME
    (which a non-root process cannot replace)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux device numbers")
    if not is_root:
        return Path("/dev") / name
    path = tmp_path / name
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    except OSError:
        pytest.skip("cannot create device nodes here")
    return path


@posix_only
def test_refuses_a_fifo_and_leaves_it_a_fifo(tmp_path: Path, no_hang: None) -> None:
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="命名管道") as caught:
        write_output(fifo, "x")
    assert caught.value.hint
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert _entries(tmp_path) == ["out.csv"]


@posix_only
def test_refuses_a_symlink_to_a_fifo(tmp_path: Path, no_hang: None) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "out.csv").symlink_to(fifo)
    with pytest.raises(UsageError, match="命名管道"):
        write_output(tmp_path / "out.csv", "x")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@posix_only
def test_refuses_a_socket(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        with pytest.raises(UsageError, match="套接字"):
            write_output(path, "x")
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
    finally:
        server.close()


def test_null_device_swallows_the_report_and_stays_a_device(tmp_path: Path) -> None:
    null = device(tmp_path, "null", 3)
    write_output(null, "报告\n")
    assert stat.S_ISCHR(os.lstat(null).st_mode)
    assert os.major(os.lstat(null).st_rdev) == 1 and os.minor(os.lstat(null).st_rdev) == 3


def test_full_device_reports_no_space_and_stays_a_device(tmp_path: Path) -> None:
    full = device(tmp_path, "full", 7)
    with pytest.raises(UsageError, match="设备上没有空间"):
        write_output(full, "报告\n")
    assert stat.S_ISCHR(os.lstat(full).st_mode)


@pytest.mark.skipif(not is_root or not sys.platform.startswith("linux"), reason="needs mknod")
def test_other_character_devices_are_refused(tmp_path: Path) -> None:
    mem = tmp_path / "mem"
    os.mknod(mem, 0o600 | stat.S_IFCHR, os.makedev(1, 1))  # /dev/mem
    with pytest.raises(UsageError, match="字符设备"):
        write_output(mem, "x")
    assert stat.S_ISCHR(os.lstat(mem).st_mode)


def test_nul_in_the_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="NUL"):
        write_output(tmp_path / "a\0b.csv", "x")
    assert _entries(tmp_path) == []


def test_longest_legal_name_is_written(tmp_path: Path) -> None:
    name = "报" * 80 + "a" * 10 + ".csv"  # 240 + 10 + 4 = 254 bytes of UTF-8
    name = name + "x" * (255 - len(name.encode()))
    assert len(name.encode()) == 255
    write_output(tmp_path / name, "x")
    assert _entries(tmp_path) == [name]


# --------------------------------------------------------------------------- directories


@posix_only
def test_directory_refuses_a_symlink_named_like_an_output(tmp_path: Path) -> None:
    elsewhere = tmp_path / "precious.txt"
    elsewhere.write_text("keep", encoding="utf-8")
    out = tmp_path / "charts"
    out.mkdir()
    (out / "deaths.svg").symlink_to(elsewhere)
    directory = OutputDirectory(out)
    with pytest.raises(UsageError, match="符号链接"):
        directory.check(["gdp.svg", "deaths.svg"])
    with pytest.raises(UsageError, match="符号链接"):
        directory.write("deaths.svg", b"<svg/>")
    assert elsewhere.read_text(encoding="utf-8") == "keep"
    assert (out / "deaths.svg").is_symlink()


@posix_only
def test_directory_refuses_a_hard_link_to_an_input(tmp_path: Path) -> None:
    data = tmp_path / "accidents.csv"
    data.write_text("year\n2020\n", encoding="utf-8")
    out = tmp_path / "charts"
    out.mkdir()
    os.link(data, out / "deaths.svg")
    with pytest.raises(UsageError, match="计划读取"):
        OutputDirectory(out, protected=[data]).check(["deaths.svg"])
    assert data.read_text(encoding="utf-8") == "year\n2020\n"


def test_directory_refuses_an_input_by_name_before_writing_anything(tmp_path: Path) -> None:
    data = tmp_path / "deaths.svg"
    data.write_text("year\n2020\n", encoding="utf-8")
    directory = OutputDirectory(tmp_path, protected=[data])
    with pytest.raises(UsageError, match="计划读取"):
        directory.check(["a.svg", "deaths.svg"])
    assert _entries(tmp_path) == ["deaths.svg"]


def test_directory_is_created_and_written_atomically(tmp_path: Path) -> None:
    directory = OutputDirectory(tmp_path / "new" / "charts")
    path = directory.write("a.svg", b"<svg/>")
    assert path.read_bytes() == b"<svg/>"
    assert _entries(tmp_path / "new" / "charts") == ["a.svg"]
    with pytest.raises(ValueError):
        directory.write("../escape.svg", b"x")


def test_directory_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "charts").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="不是目录"):
        OutputDirectory(tmp_path / "charts")


# --------------------------------------------------------------------------- appending


def test_append_adds_to_the_end(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier\n", encoding="utf-8")
    append_output(summary, "## 校验\n")
    assert summary.read_text(encoding="utf-8") == "# earlier\n## 校验\n"


def test_append_refuses_an_input_and_a_missing_directory(tmp_path: Path) -> None:
    data = tmp_path / "gdp.csv"
    data.write_text("year\n", encoding="utf-8")
    with pytest.raises(UsageError, match="计划读取"):
        append_output(data, "x", protected=[data])
    assert data.read_text(encoding="utf-8") == "year\n"
    with pytest.raises(UsageError, match="不存在"):
        append_output(tmp_path / "missing" / "summary.md", "x")


@posix_only
def test_append_refuses_a_fifo_without_waiting(tmp_path: Path, no_hang: None) -> None:
    fifo = tmp_path / "summary.md"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="命名管道"):
        append_output(fifo, "x")


# --------------------------------------------------------------------------- standard output


class _FullStdout(_FakeStdout):
    def flush(self) -> None:
        raise OSError(28, "No space left on device")


def test_stdout_full_disk_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", _FullStdout(tty=False))
    with pytest.raises(UsageError, match="无法写入标准输出：设备上没有空间"):
        write_bytes_to_stdout("表头\n")


def test_stdout_closed_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", None)
    with pytest.raises(UsageError, match="标准输出已关闭"):
        write_bytes_to_stdout("表头\n")
    with pytest.raises(UsageError, match="标准输出已关闭"):
        write_bytes_to_stdout(b"PK")


def test_stdout_in_another_encoding_gets_utf8(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _FakeStdout(tty=False)
    fake.reconfigure(encoding="ascii")
    monkeypatch.setattr(sys, "stdout", fake)
    write_bytes_to_stdout("示例市\n")
    assert fake.getbytes() == "示例市\n".encode()
