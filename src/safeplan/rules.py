"""Consistency rules: a small, safe expression language over columns.

``accidents.industrial_deaths <= accidents.deaths`` — column references, numbers,
``+ - * /`` (also ``× ÷``), parentheses and one comparison (``< <= > >= == !=``). The text is
tokenised and parsed here; nothing is ever passed to ``eval``. Rules are checked row by row,
vectorised, and decided exactly on the rows where floating point is unsure.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from safeplan.errors import ConfigError
from safeplan.findings import Finding, finding

if TYPE_CHECKING:
    from safeplan.config import Plan
    from safeplan.data import Dataset

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)
    |(?P<ref>[^\W\d]\w*\.[^\s()+\-*/×÷<>=!]+)
    |(?P<op><=|>=|==|!=|<|>|[-+*/×÷()])
    )""",
    re.X,
)

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}


@dataclass(frozen=True)
class Node:
    """A parsed expression: a number, a reference or an operation."""

    op: str
    args: tuple[Any, ...]


class RuleSyntaxError(ValueError):
    """The rule text cannot be parsed."""


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise RuleSyntaxError(f"unexpected text at '{text[position:].strip()[:20]}'")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "op":
            value = {"×": "*", "÷": "/"}.get(value, value)
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise RuleSyntaxError("the expression ends too early")
        self.i += 1
        return token

    def comparison(self) -> Node:
        left = self.expr()
        token = self.take()
        if token[1] not in _COMPARE:
            raise RuleSyntaxError(f"expected a comparison (<=, >=, ==, …), got '{token[1]}'")
        right = self.expr()
        if self.peek() is not None:
            raise RuleSyntaxError(f"unexpected '{self.peek()[1]}' after the comparison")  # type: ignore[index]
        return Node(token[1], (left, right))

    def expr(self) -> Node:
        node = self.term()
        while (token := self.peek()) and token[1] in "+-" and token[0] == "op":
            self.take()
            node = Node(token[1], (node, self.term()))
        return node

    def term(self) -> Node:
        node = self.factor()
        while (token := self.peek()) and token[1] in "*/" and token[0] == "op":
            self.take()
            node = Node(token[1], (node, self.factor()))
        return node

    def factor(self) -> Node:
        kind, value = self.take()
        if kind == "number":
            return Node("num", (Fraction(value),))
        if kind == "ref":
            return Node("ref", (value,))
        if value == "-":
            return Node("neg", (self.factor(),))
        if value == "(":
            node = self.expr()
            if self.take()[1] != ")":
                raise RuleSyntaxError("a parenthesis is not closed")
            return node
        raise RuleSyntaxError(f"unexpected '{value}'")


def parse_rule(text: str) -> Node:
    """Parse a rule into a tree; :class:`RuleSyntaxError` when it is not well formed."""
    return _Parser(text).comparison()


def _refs(node: Node) -> list[str]:
    if node.op == "ref":
        return [node.args[0]]
    if node.op == "num":
        return []
    return [r for arg in node.args for r in _refs(arg)]


def rule_refs(text: str) -> list[str]:
    """The column references of a rule (empty when it does not parse)."""
    try:
        return list(dict.fromkeys(_refs(parse_rule(text))))
    except RuleSyntaxError:
        return []


def evaluate(
    node: Node, value: Callable[[str], Any], number: Callable[[Fraction], Any] = lambda f: f
) -> Any:
    """Evaluate a tree; ``value(ref)`` gives a column (array) or a cell (Fraction)."""
    if node.op == "num":
        return number(node.args[0])
    if node.op == "ref":
        return value(node.args[0])
    if node.op == "neg":
        return -evaluate(node.args[0], value, number)
    left, right = (evaluate(arg, value, number) for arg in node.args)
    if node.op in _ARITH:
        return _ARITH[node.op](left, right)
    return _COMPARE[node.op](left, right)


def check_rules(plan: Plan, datasets: dict[str, Dataset]) -> list[Finding]:
    """Check every rule on every row; a violated rule is a finding on the offending line."""
    import numpy as np

    findings: list[Finding] = []
    for i, rule in enumerate(plan.config.rules):
        line = plan.line_of("rules", i, "check")
        try:
            tree = parse_rule(rule.check)
        except RuleSyntaxError as exc:
            raise ConfigError(
                f"{plan.display}:{line}: rules[{i}].check: {exc} in '{rule.check}'",
                hint="write e.g. accidents.industrial_deaths <= accidents.deaths",
            ) from None
        refs = list(dict.fromkeys(_refs(tree)))
        names = list(dict.fromkeys(r.split(".", 1)[0] for r in refs))
        frame, positions = _joined(names, refs, datasets)
        if frame is None:
            continue

        def column(ref: str) -> Any:
            return frame[ref].to_numpy(dtype="float64")  # noqa: B023

        with np.errstate(all="ignore"):
            left = np.asarray(evaluate(tree.args[0], column, float), dtype="float64") * np.ones(
                len(frame)
            )
            right = np.asarray(evaluate(tree.args[1], column, float), dtype="float64") * np.ones(
                len(frame)
            )
            holds = _COMPARE[tree.op](left, right)
            scale = np.maximum(np.maximum(np.abs(left), np.abs(right)), 1e-300)
            unsure = np.abs(left - right) <= 1e-9 * scale
        complete = ~(np.isnan(left) | np.isnan(right))
        for row in np.flatnonzero(complete & (~holds | unsure)).tolist():
            cells = {
                ref: datasets[ref.split(".", 1)[0]].exact(
                    ref.split(".", 1)[1], int(positions[ref][row])
                )
                for ref in refs
            }
            if any(v is None for v in cells.values()):
                continue
            try:
                if evaluate(tree, lambda ref: cells[ref]):  # noqa: B023
                    continue
            except ZeroDivisionError:
                continue
            first = datasets[names[0]]
            position = int(positions[refs[0]][row])
            shown = ", ".join(f"{ref.split('.', 1)[1]}={float(v):g}" for ref, v in cells.items())  # type: ignore[arg-type]
            where = (
                first.table.where(int(first.frame["_row"].iat[position]), refs[0].split(".", 1)[1])
                if first.table
                else {}
            )
            findings.append(
                finding(
                    "rule-violated",
                    first.file,
                    f"rule '{rule.name or rule.id}' ({rule.check}) does not hold: {shown}",
                    severity=rule.severity,
                    value=shown,
                    hint=f"check these figures (rule {rule.id} in {plan.display}:{line})",
                    **where,
                )
            )
    return findings


def _joined(
    names: list[str], refs: list[str], datasets: dict[str, Dataset]
) -> tuple[Any, dict[str, Any]]:
    """One frame of the referenced columns, rows matched on year (and region)."""
    import pandas as pd

    frames = [datasets[n] for n in names]
    keys = ["year", "region"] if all(d.has_region for d in frames) else ["year"]
    merged: pd.DataFrame | None = None
    for dataset in frames:
        if any(k not in dataset.frame for k in keys):
            return None, {}
        cols = [r.split(".", 1)[1] for r in refs if r.split(".", 1)[0] == dataset.name]
        if any(c not in dataset.frame for c in cols):
            return None, {}  # a broken header, already a finding
        part = dataset.frame[keys + cols].copy()
        part.columns = keys + [f"{dataset.name}.{c}" for c in cols]
        part[f"_pos_{dataset.name}"] = range(len(part))
        merged = part if merged is None else merged.merge(part, on=keys, how="inner")
    assert merged is not None
    positions = {r: merged[f"_pos_{r.split('.', 1)[0]}"].to_numpy() for r in refs}
    return merged.reset_index(drop=True), positions
