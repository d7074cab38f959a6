"""The one safe writer: every report, chart and summary safeplan writes goes through here.

What it promises, whatever the path given:

- **Never over an input.** A path that is, or links to (symbolic or hard link), a file the
  plan reads is refused (:class:`~safeplan.errors.UsageError`, exit 2) before anything is
  written.
- **Atomic.** A regular file is written to a temporary file beside it, flushed to disk and
  renamed over the target in one step, so readers see the old file or the new one. On any
  failure or interruption (an exception, ``KeyboardInterrupt``, or the CLI's SIGTERM and
  SIGHUP handlers) the temporary file is removed and the old file is untouched. The
  temporary name is short (``.sp-XXXXXXXXXXXX.tmp``), so any legal target name works.
- **Only regular files are replaced.** A FIFO, a socket, a block device or a character
  device is never replaced nor written into (a FIFO without a reader would hang, a disk
  would be destroyed) — with one exception: the kernel's data sinks ``/dev/null``,
  ``/dev/zero`` and ``/dev/full`` are written into in place, so ``--output /dev/null``
  discards the report as a user expects (and leaves ``/dev/null`` a device, even for
  root), and ``--output /dev/full`` reports "设备上没有空间".
- **Directories of outputs** (:class:`OutputDirectory`, e.g. charts) check every name
  before writing the first file, and never write through a symbolic link in the directory.
- **Standard output** (:func:`write_bytes_to_stdout`) always receives UTF-8, whatever the
  locale or ``PYTHONIOENCODING``; a closed or full standard output is a one-line
  :class:`~safeplan.errors.UsageError`, never a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import signal
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from safeplan.errors import UsageError, os_reason

__all__ = [
    "OutputDirectory",
    "StdoutError",
    "append_output",
    "write_bytes_to_stdout",
    "write_output",
    "write_text_to",
]

_NEW_FILE_MODE = 0o666  # the process umask is applied by the kernel, as for open()

#: (major, minor) of Linux's memory devices that only swallow data: null, zero, full.
_SINKS = {(1, 3), (1, 5), (1, 7)}

#: Signals whose handlers must not run between creating a temporary file and being ready
#: to remove it (they are delivered right after, where the cleanup is in place).
_DEFERRED = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


#: What a writer takes: text, bytes, or pieces of either written one after the other (a
#: report too large to hold in memory at once).
Content = bytes | str | Iterable[bytes | str]


def _pieces(data: Content, encoding: str) -> Iterator[bytes]:
    """The bytes of ``data``, piece by piece; text encoded once (a BOM only at the start)."""
    import codecs

    encoder = codecs.getincrementalencoder(encoding)()
    for piece in (data,) if isinstance(data, (bytes, str)) else data:
        chunk = encoder.encode(piece) if isinstance(piece, str) else piece
        if chunk:
            yield chunk
    tail = encoder.encode("", final=True)
    if tail:
        yield tail


def write_output(
    path: Path,
    data: Content,
    *,
    protected: Iterable[Path] = (),
    encoding: str = "utf-8",
    follow_symlinks: bool = True,
) -> None:
    """Write ``data`` to ``path`` atomically.

    ``str`` data is encoded with ``encoding`` (``"utf-8"``, no BOM, by default; pass
    ``"utf-8-sig"`` for a CSV that Excel should open as UTF-8); no newline translation
    is done. ``data`` may also be an iterable of pieces, written one after the other. When ``path`` is a symbolic link, the file it points to is replaced — unless
    ``follow_symlinks`` is false, when a link is refused (for names safeplan chose itself,
    in a directory that may come from an untrusted checkout).

    The data goes to a temporary file in the target's directory, is flushed to disk, and
    then replaces the target in one rename. On any failure the temporary file is removed
    and the old file is untouched. An existing target keeps its permission bits; a new
    file gets ``0o666 & ~umask``. A data sink (``/dev/null``…) is written into in place.

    Raises :class:`~safeplan.errors.UsageError` when ``path`` is one of ``protected``
    (the plan's ``indicators.yaml`` and data files; links are followed), is a directory
    or any other file that is not a regular file, lies in a directory that does not
    exist, or cannot be written (the message names the cause: 设备上没有空间…).
    """
    payload = _pieces(data, encoding)
    target, sink = _check_target(Path(path), protected, follow_symlinks=follow_symlinks)
    if sink:
        _write_into_device(path, target, payload)
        return
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise _cannot_write(path, exc) from exc

    temporary: Path | None = None
    fd = -1
    try:
        with _signals_deferred():
            temporary, fd = _create_temporary(target.parent)
        for piece in payload:
            _write_all(fd, piece)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException as exc:
        with _signals_deferred():
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
        if isinstance(exc, OSError):
            raise _cannot_write(path, exc) from exc
        raise
    _sync_directory(target.parent)


class OutputDirectory:
    """A directory safeplan writes several files into (charts), through :func:`write_output`.

    The directory is created when missing. :meth:`check` refuses, before anything is
    written, a name that is a file the plan reads (or a link to one), a symbolic link, or
    anything that is not a regular file; :meth:`write` writes one file atomically.
    """

    def __init__(self, path: Path, *, protected: Iterable[Path] = ()) -> None:
        self.path = Path(path)
        self.protected = [Path(p) for p in protected]
        _reject_nul(self.path)
        try:
            if self.path.exists() and not self.path.is_dir():
                raise UsageError(
                    f"无法把输出写到 {self.path}：它不是目录",
                    hint="--output 给出一个目录（不存在时会创建）",
                )
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(
                f"无法创建输出目录 {self.path}：{os_reason(exc)}",
                hint="检查上级目录是否存在且可写",
            ) from exc

    def _file(self, name: str) -> Path:
        if name in ("", ".", "..") or Path(name).name != name or "\0" in name:
            raise ValueError(f"not a plain file name: {name!r}")
        return self.path / name

    def check(self, names: Iterable[str]) -> None:
        """Refuse (UsageError) if any of ``names`` must not be written; write nothing."""
        for name in names:
            _check_target(self._file(name), self.protected, follow_symlinks=False)

    def write(self, name: str, data: bytes | str) -> Path:
        """Write one file of the directory atomically; return its path."""
        path = self._file(name)
        write_output(path, data, protected=self.protected, follow_symlinks=False)
        return path


def append_output(path: Path, text: str, *, protected: Iterable[Path] = ()) -> None:
    """Append ``text`` (UTF-8) to ``path``, e.g. ``$GITHUB_STEP_SUMMARY``.

    The file is created when missing. Refused (:class:`~safeplan.errors.UsageError`) when
    it is, or links to, a file the plan reads — checked on the path and again on the
    opened file — or is not a regular file (but a data sink); any failure to write names
    its cause.
    """
    path = Path(path)
    _check_target(path, protected, follow_symlinks=True)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, _NEW_FILE_MODE)
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode) and not _is_sink(opened):
            raise _not_regular(path, opened)
        for source in protected:
            with contextlib.suppress(OSError):
                known = os.stat(source)
                if (known.st_dev, known.st_ino) == (opened.st_dev, opened.st_ino):
                    raise _is_input(path, Path(source))
        _write_all(fd, text.encode("utf-8"))
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    finally:
        os.close(fd)


def write_text_to(stream: IO[str] | None, text: str) -> None:
    """Write ``text`` to a text stream (stdout, stderr) as UTF-8, and flush it.

    A stream whose encoding is not UTF-8 (``PYTHONIOENCODING=ascii``, a legacy code page)
    gets the UTF-8 bytes on its binary buffer: safeplan's output is Chinese, and JSON and
    CSV are UTF-8 by definition, so re-encoding could only fail or garble. ``None`` (a
    stream closed when the process started) raises :class:`OSError` ``EBADF``.
    """
    if stream is None:
        raise OSError(errno.EBADF, "standard stream closed")
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
    buffer = getattr(stream, "buffer", None)
    if encoding in ("utf-8", "utf8") or buffer is None:
        stream.write(text)
        stream.flush()
        return
    stream.flush()
    buffer.write(text.encode("utf-8", "backslashreplace"))
    buffer.flush()


def write_bytes_to_stdout(data: Content) -> None:
    """Write ``data`` to standard output: ``str`` as UTF-8 text, ``bytes`` unchanged, an
    iterable piece by piece.

    Refuses (:class:`~safeplan.errors.UsageError`) to print binary data such as an xlsx
    workbook to a terminal, where it would only garble the screen, and turns a closed or
    failing standard output (a full disk, an I/O error) into a one-line UsageError that
    names the cause. A reader that went away (``| head``) raises :class:`BrokenPipeError`,
    for the caller to end quietly.
    """
    if not isinstance(data, (bytes, str)):
        for piece in data:
            write_bytes_to_stdout(piece)
        return
    stdout = sys.stdout
    try:
        if isinstance(data, str):
            write_text_to(stdout, data)
            return
        if stdout is None:
            raise OSError(errno.EBADF, "standard output closed")
        if stdout.isatty():
            raise UsageError(
                "拒绝把二进制输出写到终端",
                hint="用 --output FILE 写入文件，或把标准输出重定向到文件",
            )
        stdout.flush()  # keep anything already written as text before the bytes
        buffer = getattr(stdout, "buffer", None)
        if buffer is None:
            raise UsageError("标准输出不接受二进制数据", hint="用 --output FILE 写入文件")
        buffer.write(data)
        buffer.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as exc:
        raise stdout_error(exc) from None


class StdoutError(UsageError):
    """Standard output could not be written: closed, full, failing."""


def stdout_error(exc: OSError | ValueError) -> StdoutError:
    """The error for a failed write to standard output, naming the cause."""
    if isinstance(exc, ValueError) or exc.errno == errno.EBADF:
        reason = "标准输出已关闭"
    else:
        reason = os_reason(exc)
    # One line naming the cause: where the output went is the user's own doing.
    return StdoutError(f"无法写入标准输出：{reason}")


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block ends (where the OS supports it)."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None or not _DEFERRED:
        yield
        return
    old = mask(signal.SIG_BLOCK, _DEFERRED)
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, old)


def _reject_nul(path: Path) -> None:
    if "\0" in str(path):
        raise UsageError(
            f"无法写入 {str(path)!r}：路径中含有 NUL 字符",
            hint="给出一个普通的文件路径",
        )


def _check_target(
    path: Path, protected: Iterable[Path], *, follow_symlinks: bool
) -> tuple[Path, bool]:
    """The file to write, and whether it is a data sink; raise when it must not be written."""
    _reject_nul(path)
    try:
        entry = path.parent.resolve() / path.name if not follow_symlinks else path
        target = entry.resolve()
    except (OSError, RuntimeError) as exc:
        raise UsageError(f"无法写入 {path}：{exc}", hint="检查路径中的符号链接") from exc
    for source in protected:
        if _same_file(target, Path(source)) or _same_file(entry, Path(source)):
            raise _is_input(path, Path(source))
    try:
        info = os.stat(path) if follow_symlinks else os.lstat(entry)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise UsageError(
                f"无法把输出写到 {path}：它是一个目录",
                hint="给出文件名，例如 --output report.xlsx",
            )
        if stat.S_ISLNK(info.st_mode):
            raise UsageError(
                f"拒绝写入 {path}：它是符号链接（指向 {target}）",
                hint="safeplan 不会通过输出目录中的符号链接写入；删除该链接后重试",
            )
        if not stat.S_ISREG(info.st_mode):
            if _is_sink(info):
                return Path(path), True
            raise _not_regular(path, info)
    if not target.parent.is_dir():
        raise UsageError(
            f"无法把输出写到 {path}：目录 {target.parent} 不存在",
            hint="先创建该目录，或换一个 --output 文件",
        )
    return target, False


def _is_sink(info: os.stat_result) -> bool:
    """Whether a file is a device that only swallows data: /dev/null, /dev/zero, /dev/full."""
    if not stat.S_ISCHR(info.st_mode):
        return False
    if sys.platform.startswith("linux"):
        return (os.major(info.st_rdev), os.minor(info.st_rdev)) in _SINKS
    try:
        return info.st_rdev == os.stat(os.devnull).st_rdev
    except OSError:
        return False


def _kind(info: os.stat_result) -> str:
    mode = info.st_mode
    if stat.S_ISFIFO(mode):
        return "命名管道（FIFO）"
    if stat.S_ISSOCK(mode):
        return "套接字"
    if stat.S_ISBLK(mode):
        return "块设备"
    if stat.S_ISCHR(mode):
        return "字符设备"
    return "特殊文件"


def _not_regular(path: Path, info: os.stat_result) -> UsageError:
    return UsageError(
        f"拒绝把输出写到 {path}：它不是普通文件，而是{_kind(info)}",
        hint="--output 只写普通文件；要写到管道或终端，省略 --output 用标准输出",
    )


def _is_input(path: Path, source: Path) -> UsageError:
    return UsageError(
        f"拒绝把输出写到 {path}：它是计划读取的文件 {source}",
        hint="换一个 --output 文件；计划读取的文件（indicators.yaml 和数据文件）从不被覆盖",
    )


def _write_into_device(path: Path, target: Path, payload: Iterable[bytes]) -> None:
    """Write into a data sink in place: open it without creating or truncating anything."""
    flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    try:
        if not _is_sink(os.fstat(fd)):  # replaced since it was checked
            raise _not_regular(path, os.fstat(fd))
        for piece in payload:
            _write_all(fd, piece)
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    finally:
        os.close(fd)


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        written = os.write(fd, view[: 1 << 24])
        view = view[written:]


def _same_file(target: Path, source: Path) -> bool:
    try:
        if target == source.resolve():
            return True
    except (OSError, RuntimeError):
        pass
    # Hard links, and names that differ only in case on case-insensitive file systems.
    try:
        return os.path.samefile(target, source)
    except (OSError, ValueError):
        return False


def _create_temporary(directory: Path) -> tuple[Path, int]:
    """Create a new, empty, hidden file in ``directory``; return its path and descriptor.

    The name is short whatever the target's, so that a target name of the maximum length
    still works. Unlike ``tempfile.mkstemp`` (always 0o600), the file is created with
    0o666 so that the kernel applies the umask exactly as for any new file, without
    touching the process's umask (which ``os.umask`` can only read by changing it).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        temporary = directory / f".sp-{secrets.token_hex(6)}.tmp"
        try:
            return temporary, os.open(temporary, flags, _NEW_FILE_MODE)
        except FileExistsError:
            continue
    raise FileExistsError(f"no unused temporary file name in {directory}")


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable; not possible (nor needed) everywhere, e.g. Windows."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _cannot_write(path: Path, exc: OSError) -> UsageError:
    """A write that failed (a full disk, no permission): one line naming the cause."""
    return UsageError(f"无法写入 {path}：{os_reason(exc)}")
