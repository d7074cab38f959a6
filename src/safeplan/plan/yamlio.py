"""Loading YAML safely, with the line of every node kept for error messages.

PyYAML's ``SafeLoader`` only, plus three guards a config file needs:

- numbers with a fraction or exponent become :class:`decimal.Decimal` of their literal text,
  so ``max: 0.01`` is exactly one hundredth (and ``1e-2`` is a number, as in YAML 1.2);
- a key given twice in one mapping is an error, not a silent overwrite;
- aliases that would expand beyond a sane number of nodes (a "billion laughs") are refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from safeplan.errors import ConfigError

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


_Loader.yaml_implicit_resolvers = {
    k: [(tag, regexp) for tag, regexp in v if tag != "tag:yaml.org,2002:float"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_RE, list("-+0123456789."))


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal | float:
    text = str(loader.construct_scalar(node)).replace("_", "")  # type: ignore[arg-type]
    low = text.lower()
    if low.endswith("inf"):
        return float("-inf") if low.startswith("-") else float("inf")
    if low.endswith("nan"):
        return float("nan")
    return Decimal(text)


_Loader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


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


def load_yaml(path: Path, display: str) -> Located:
    """Read and parse one YAML file; every problem is a :class:`ConfigError` naming the line."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ConfigError(
            f"{display}: file not found",
            hint="run safeplan in the plan directory or pass --config PATH/indicators.yaml",
        ) from None
    except OSError as exc:
        raise ConfigError(f"{display}: cannot read: {exc.strerror}") from None
    if path.is_dir():
        raise ConfigError(f"{display}: is a directory", hint="--config takes the YAML file")
    if size > MAX_BYTES:
        raise ConfigError(f"{display}: {size} bytes is too large for a plan file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{display}:{line}: not valid UTF-8 (byte 0x{raw[exc.start]:02X})",
            hint="save indicators.yaml as UTF-8",
        ) from None
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise ConfigError(f"{display}: the file is empty", hint="see README: the plan file")
        for node in _walk(root):
            if isinstance(node, yaml.MappingNode):
                keys: dict[str, int] = {}
                for key, _ in node.value:
                    if isinstance(key, yaml.ScalarNode):
                        first = keys.setdefault(key.value, key.start_mark.line + 1)
                        if first != key.start_mark.line + 1:
                            raise ConfigError(
                                f"{display}:{key.start_mark.line + 1}: key '{key.value}' "
                                f"is given twice (first at line {first})",
                                hint="keep one of them",
                            )
        expanded = _expanded_size(root)
        if isinstance(expanded, yaml.Node):
            raise ConfigError(
                f"{display}:{expanded.start_mark.line + 1}: a YAML alias refers to a node that "
                "contains it, so the document never ends",
                hint="write the plan out without recursive anchors and aliases",
            )
        if expanded > MAX_NODES:
            raise ConfigError(
                f"{display}: the document expands to more than {MAX_NODES} nodes (YAML aliases)",
                hint="write the plan out without recursive anchors and aliases",
            )
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{display}:{mark.line + 1}:{mark.column + 1}" if mark else display
        raise ConfigError(
            f"{where}: YAML syntax error: {exc.problem or exc.context}",
            hint="check indentation and quoting near that line",
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{display}: YAML error: {exc}") from None
    finally:
        loader.dispose()
    return Located(data=data, root=root, path=path)
