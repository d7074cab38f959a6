"""Tests of safeplan.output: atomic, permission-preserving writes that spare the plan's inputs."""

from __future__ import annotations

import io
import os
import stat
import sys
from pathlib import Path

import pytest

from safeplan.errors import UsageError
from safeplan.output import write_bytes_to_stdout, write_output

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
    with pytest.raises(UsageError, match="No space left on device") as caught:
        write_output(target, "new")
    assert "report.json" in str(caught.value)
    assert caught.value.hint
    assert target.read_text(encoding="utf-8") == "old"
    assert _entries(tmp_path) == ["report.json"]


def test_failed_write_of_new_file_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(UsageError, match="Input/output error"):
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
    with pytest.raises(UsageError, match="input"):
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
    with pytest.raises(UsageError, match="directory") as caught:
        write_output(tmp_path, "x")
    assert caught.value.hint
    assert _entries(tmp_path) == []


def test_refuses_missing_parent_directory(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "report.csv"
    with pytest.raises(UsageError, match="does not exist") as caught:
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
    with pytest.raises(UsageError, match=r"cannot write.*Permission denied"):
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
    with pytest.raises(UsageError, match="terminal") as caught:
        write_bytes_to_stdout(b"PK\x03\x04")
    assert caught.value.hint is not None and "--output" in caught.value.hint
    assert fake.getbytes() == b""
    write_bytes_to_stdout("text is fine\n")
    assert fake.getbytes() == b"text is fine\n"
