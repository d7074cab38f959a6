"""Loading YAML safely, with the line of every node kept for error messages.

PyYAML's ``SafeLoader`` only, plus the guards a config file from an untrusted submission
needs — every problem is a :class:`~safeplan.errors.ConfigError` naming the line:

- only a regular file is read, and at most :data:`MAX_BYTES` of it: a FIFO, a device
  (``/dev/zero``, ``/dev/stdin`` on a terminal) or ``/proc/self/mem`` is refused promptly,
  in bounded memory;
- numbers with a fraction or exponent become :class:`decimal.Decimal` of their literal text,
  so ``max: 0.01`` is exactly one hundredth (and ``1e-2`` is a number, as in YAML 1.2);
- numbers whose meaning differs between YAML 1.1 and 1.2 — base 60 (``33:45`` is 2025 in
  YAML 1.1), a leading zero (``010`` is 8), ``0x``/``0o``/``0b`` — are refused, never
  silently read one way;
- a key given twice in one mapping, block or flow style (``{max: 0, max: 5}``), is an
  error, not a silent overwrite;
- aliases that would expand beyond a sane number of nodes (a "billion laughs") are refused.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from safeplan.errors import ConfigError, os_reason

#: Nodes a document may expand to, aliases counted at every use.
MAX_NODES = 100_000
#: Bytes a config file may have.
MAX_BYTES = 10 * 1024 * 1024

_FLOAT_RE = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


#: libyaml's parser when PyYAML was built with it (ten times faster), else the pure-Python one.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader with exact decimals and YAML 1.2 exponent floats."""


#: Plain integers: the same in YAML 1.1 and 1.2.
_INT_RE = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")
#: Numbers YAML 1.1 and 1.2 read differently (or only one of them reads as a number).
_AMBIGUOUS_RE = re.compile(
    r"""^(?:[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
    |[-+]?0[0-9_]+
    |[-+]?0[xXoObB][0-9a-fA-F_]*)$""",
    re.X,
)
_AMBIGUOUS = "tag:safeplan,2024:ambiguous-number"

_REPLACED = ("tag:yaml.org,2002:float", "tag:yaml.org,2002:int")
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in _REPLACED]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_AMBIGUOUS, _AMBIGUOUS_RE, list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT_RE, list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_RE, list("-+0123456789."))


def _refuse_ambiguous(loader: yaml.SafeLoader, node: yaml.Node) -> None:
    text = str(node.value)
    if ":" in text:
        why = f"YAML 1.1 把 {text} 当作六十进制数，YAML 1.2 把它当作文字"
    elif text.lstrip("+-")[1:2].isalpha():
        why = f"{text} 是十六、八或二进制写法"
    else:
        why = f"YAML 1.1 把以 0 开头的 {text} 当作八进制数"
    raise yaml.constructor.ConstructorError(
        None, None, f"{why}，含义不明确；请写成十进制数，或加引号作为文字", node.start_mark
    )


_Loader.add_constructor(_AMBIGUOUS, _refuse_ambiguous)


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal | float:
    text = str(loader.construct_scalar(node)).replace("_", "")  # type: ignore[arg-type]
    low = text.lower()
    if low.endswith("inf"):
        return float("-inf") if low.startswith("-") else float("inf")
    if low.endswith("nan"):
        return float("nan")
    try:
        return Decimal(text)
    except InvalidOperation:
        # An exponent beyond any decimal (1e99999999999999999999), or `!!float abc`.
        huge = _FLOAT_RE.fullmatch(text) is not None
        raise _unreadable(node, text, "超出可读取的范围" if huge else "不是数字") from None


#: The most characters an integer of the plan may have: Python reads at most 4 300 decimal
#: digits, and a hexadecimal or base-60 one of millions would take minutes to convert.
_MAX_INT_TEXT = 4300


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    text = str(node.value)
    if len(text) > _MAX_INT_TEXT:
        raise _unreadable(node, text, f"有 {len(text)} 位，位数过多")
    try:
        return int(yaml.SafeLoader.construct_yaml_int(loader, node))  # type: ignore[arg-type]
    except (ValueError, IndexError):  # `!!int abc`, `!!int ""`
        raise _unreadable(node, text, "不是整数") from None


def _unreadable(node: yaml.Node, text: str, why: str) -> yaml.constructor.ConstructorError:
    shown = (text if len(text) <= 20 else text[:20] + "…") or '""'
    return yaml.constructor.ConstructorError(
        None, None, f"{shown} {why}，无法作为计划中的数字", node.start_mark
    )


_Loader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


@dataclass(frozen=True)
class Located:
    """A loaded YAML document and the node tree it came from."""

    data: Any
    root: yaml.Node
    path: Path

    def line_of(self, loc: tuple[int | str, ...]) -> int | None:
        """The 1-based line of the node at ``loc`` (or of its nearest existing parent)."""
        node: yaml.Node | None = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                found = None
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                        found = (key, value)
                        break
                if found is None:
                    return line
                # An unknown or misspelled key is reported at the key itself.
                line = found[0].start_mark.line + 1
                node = found[1]
                if not isinstance(node, yaml.ScalarNode):
                    line = found[0].start_mark.line + 1
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part >= len(node.value):
                    return line
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line


def _walk(node: yaml.Node) -> Iterator[yaml.Node]:
    """Every node once, though aliases share (or recursively contain) nodes."""
    stack = [node]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                stack.extend((key, value))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def _expanded_size(root: yaml.Node) -> int | yaml.Node:
    """Number of nodes the document expands to, each alias counted at every use.

    When an alias refers to a node that contains it (``a: &a [*a]``), the document
    expands without end: that node is returned instead.
    """
    sizes: dict[int, int] = {}
    order: list[yaml.Node] = []
    seen: set[int] = set()
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            open_nodes.discard(id(node))
            order.append(node)
            continue
        if id(node) in open_nodes:
            return node
        if id(node) in seen:
            continue
        seen.add(id(node))
        open_nodes.add(id(node))
        stack.append((node, True))
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                children.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        stack.extend((child, False) for child in children)
    for node in order:
        total = 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                total += sizes.get(id(key), 1) + sizes.get(id(value), 1)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(sizes.get(id(child), 1) for child in node.value)
        sizes[id(node)] = min(total, MAX_NODES + 1)
    return sizes[id(root)]


def _read_plan_file(path: Path, display: str) -> bytes:
    """The bytes of the plan file: a regular file of at most :data:`MAX_BYTES`.

    Opened without blocking (a FIFO without a writer would wait forever) and checked on the
    open descriptor, so what is read is what was checked; read in chunks up to the limit,
    so ``/dev/zero`` or a file that grows cannot exhaust memory.
    """
    if "\0" in str(path):
        raise ConfigError(f"{str(path)!r}: 路径中含有 NUL 字符", hint="--config 给出计划文件的路径")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ConfigError(
            f"{display}: 文件不存在",
            hint="在计划目录中运行 safeplan，或用 --config PATH/indicators.yaml 指定计划文件",
        ) from None
    except IsADirectoryError:
        raise ConfigError(f"{display}: 是一个目录", hint="--config 给出 YAML 文件") from None
    except OSError as exc:
        raise ConfigError(f"{display}: 无法读取：{os_reason(exc)}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(f"{display}: 是一个目录", hint="--config 给出 YAML 文件")
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(
                f"{display}: 不是普通文件（而是管道、设备或套接字），不能作为计划文件",
                hint="--config 给出磁盘上的 indicators.yaml",
            )
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BYTES:
                raise ConfigError(
                    f"{display}: 超过 {MAX_BYTES // (1024 * 1024)} MiB，不像计划文件",
                    hint="检查 --config 是否指向了 indicators.yaml",
                )
    except OSError as exc:
        raise ConfigError(f"{display}: 无法读取：{os_reason(exc)}") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def _check_duplicate_keys(root: yaml.Node, display: str) -> None:
    """A key given twice in one mapping, in block or flow style, is an error at its line.

    Keys are compared as YAML resolves them (``max`` and ``"max"`` are the same key), not
    by their lines: both keys of ``{max: 0, max: 5}`` are on one line.
    """
    for node in _walk(root):
        if not isinstance(node, yaml.MappingNode):
            continue
        seen: dict[tuple[str, str], yaml.Node] = {}
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            first = seen.setdefault((key.tag, key.value), key)
            if first is not key:
                here, there = key.start_mark, first.start_mark
                same_line = here.line == there.line
                where = f"第 {there.column + 1} 列" if same_line else f"第 {there.line + 1} 行"
                raise ConfigError(
                    f"{display}:{here.line + 1}:{here.column + 1}: 键 '{key.value}' 在同一"
                    f"映射中出现了两次（第一次在{where}）",
                    hint="只保留其中一个",
                )


def load_yaml(path: Path, display: str) -> Located:
    """Read and parse one YAML file; every problem is a :class:`ConfigError` naming the line."""
    raw = _read_plan_file(Path(path), display)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{display}:{line}: 不是有效的 UTF-8（字节 0x{raw[exc.start]:02X}）",
            hint="把 indicators.yaml 另存为 UTF-8 编码",
        ) from None
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise ConfigError(f"{display}: 文件是空的", hint="见 README：计划文件")
        _check_duplicate_keys(root, display)
        expanded = _expanded_size(root)
        if isinstance(expanded, yaml.Node):
            raise ConfigError(
                f"{display}:{expanded.start_mark.line + 1}: YAML 别名引用了包含它自身的节点，"
                "文档展开后没有尽头",
                hint="不用递归的锚点和别名，把计划完整写出",
            )
        if expanded > MAX_NODES:
            raise ConfigError(
                f"{display}: 文档（经 YAML 别名）展开后超过 {MAX_NODES} 个节点",
                hint="不用递归的锚点和别名，把计划完整写出",
            )
        data = loader.construct_document(root)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{display}:{mark.line + 1}:{mark.column + 1}" if mark else display
        raise ConfigError(f"{where}: {exc.problem or exc.context}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{display}:{mark.line + 1}:{mark.column + 1}" if mark else display
        raise ConfigError(
            f"{where}: YAML 语法错误：{exc.problem or exc.context}",
            hint="检查该行附近的缩进和引号",
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{display}: YAML 错误：{exc}") from None
    except RecursionError:
        raise ConfigError(
            f"{display}: YAML 嵌套过深", hint="计划文件不需要这么多层嵌套的列表或映射"
        ) from None
    finally:
        loader.dispose()
    return Located(data=data, root=root, path=path)
