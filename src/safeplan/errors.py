"""The exception family. Only "cannot run" raises; problems in the data are findings."""

from __future__ import annotations


class SafeplanError(Exception):
    """Base of every error safeplan raises on purpose.

    ``hint`` says how to fix it; the CLI prints it as ``Tip: …``.
    """

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ConfigError(SafeplanError):
    """``indicators.yaml`` cannot be used: syntax, schema, references, paths."""


class DataError(SafeplanError):
    """The data cannot be used at all (e.g. a year absent from every dataset)."""


class UsageError(SafeplanError):
    """The command line asks for something that cannot be done."""


_REASONS = {
    "ENOSPC": "设备上没有空间",
    "EDQUOT": "超出磁盘配额",
    "EACCES": "权限不足",
    "EPERM": "操作不被允许",
    "EROFS": "只读文件系统",
    "EIO": "输入/输出错误",
    "ENOENT": "文件或目录不存在",
    "EISDIR": "是一个目录",
    "ENOTDIR": "路径中有一段不是目录",
    "ENAMETOOLONG": "文件名过长",
    "EFBIG": "文件过大",
    "EBADF": "文件描述符无效（已关闭）",
    "EPIPE": "管道已断开",
    "ELOOP": "符号链接层数过多",
    "EEXIST": "文件已存在",
    "EXDEV": "不能跨文件系统改名",
    "ETXTBSY": "文件正被执行",
    "EBUSY": "设备或资源忙",
    "ENXIO": "没有这样的设备或地址",
    "EAGAIN": "资源暂时不可用",
    "EINVAL": "参数无效",
    "EMFILE": "打开的文件过多",
    "ENOMEM": "内存不足",
}


def os_reason(exc: OSError) -> str:
    """Why an operating-system call failed, in Chinese: ``ENOSPC`` → ``设备上没有空间``."""
    import errno

    for name, reason in _REASONS.items():
        if exc.errno is not None and exc.errno == getattr(errno, name, None):
            return reason
    return exc.strerror or str(exc) or type(exc).__name__
