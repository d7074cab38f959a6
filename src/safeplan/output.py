"""Writing reports: atomically to a file given with ``--output``, or to standard output.

A report must never overwrite the plan's own inputs, and an interrupted or failed write
must never leave a half-written file behind: :func:`write_output` writes a temporary file
beside the target and renames it over the target only once it is complete and on disk.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from safeplan.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["write_bytes_to_stdout", "write_output"]

_NEW_FILE_MODE = 0o666  # the process umask is applied by the kernel, as for open()


def write_output(
    path: Path,
    data: bytes | str,
    *,
    protected: Iterable[Path] = (),
    encoding: str = "utf-8",
) -> None:
    """Write ``data`` to ``path`` atomically.

    ``str`` data is encoded with ``encoding`` (``"utf-8"``, no BOM, by default; pass
    ``"utf-8-sig"`` for a CSV that Excel should open as UTF-8); no newline translation
    is done. When ``path`` is a symbolic link, the file it points to is replaced.

    The data goes to a temporary file in the target's directory, is flushed to disk, and
    then replaces the target in one rename, so readers see either the old file or the
    new one. On any failure the temporary file is removed and the old file is untouched.
    An existing target keeps its permission bits; a new file gets ``0o666 & ~umask``.

    Raises :class:`~safeplan.errors.UsageError` when ``path`` is one of ``protected``
    (the plan's ``indicators.yaml`` and data files; links are followed), is a directory,
    lies in a directory that does not exist, or cannot be written.
    """
    target = _check_target(Path(path), protected)
    payload = data.encode(encoding) if isinstance(data, str) else data
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise _cannot_write(path, exc) from exc

    try:
        temporary, fd = _create_temporary(target.parent, target.name)
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise _cannot_write(path, exc) from exc
        raise
    _sync_directory(target.parent)


def write_bytes_to_stdout(data: bytes | str) -> None:
    """Write ``data`` to standard output: ``str`` as text, ``bytes`` unchanged.

    Refuses (:class:`~safeplan.errors.UsageError`) to print binary data such as an xlsx
    workbook to a terminal, where it would only garble the screen.
    """
    stdout = sys.stdout
    if isinstance(data, str):
        stdout.write(data)
        stdout.flush()
        return
    if stdout.isatty():
        raise UsageError(
            "refusing to write binary output to the terminal",
            hint="use --output FILE, or redirect standard output to a file",
        )
    stdout.flush()  # keep anything already written as text before the bytes
    buffer = getattr(stdout, "buffer", None)
    if buffer is None:
        raise UsageError(
            "standard output does not accept binary data",
            hint="use --output FILE",
        )
    buffer.write(data)
    buffer.flush()


def _check_target(path: Path, protected: Iterable[Path]) -> Path:
    """Return the resolved file to write, or raise when it must not be written."""
    target = path.resolve()
    for source in protected:
        if _same_file(target, Path(source)):
            raise UsageError(
                f"refusing to write the report to {path}: it is the plan's input {source}",
                hint="choose another --output file; the plan's files are never overwritten",
            )
    if target.is_dir():
        raise UsageError(
            f"cannot write the report to {path}: it is a directory",
            hint="give a file name, e.g. --output report.xlsx",
        )
    if not target.parent.is_dir():
        raise UsageError(
            f"cannot write the report to {path}: directory {target.parent} does not exist",
            hint="create the directory first, or choose another --output file",
        )
    return target


def _same_file(target: Path, source: Path) -> bool:
    if target == source.resolve():
        return True
    # Hard links, and names that differ only in case on case-insensitive file systems.
    try:
        return os.path.samefile(target, source)
    except OSError:
        return False


def _create_temporary(directory: Path, name: str) -> tuple[Path, int]:
    """Create a new, empty, hidden file beside the target; return its path and descriptor.

    Unlike ``tempfile.mkstemp`` (always 0o600), the file is created with 0o666 so that the
    kernel applies the umask exactly as for any new file, without touching the process's
    umask (which ``os.umask`` can only read by changing it, racing with other threads).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temporary = directory / f".{name}.{secrets.token_hex(4)}.tmp"
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
    reason = exc.strerror or str(exc)
    return UsageError(
        f"cannot write the report to {path}: {reason}",
        hint="check that the directory is writable and the disk is not full",
    )
