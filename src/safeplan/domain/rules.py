"""The rule language: a small, safe expression language over columns.

``accidents.industrial_deaths <= accidents.deaths`` — column references, numbers,
``+ - * /`` (also ``× ÷``), parentheses and one comparison (``< <= > >= == !=``). The text is
tokenised and parsed here; nothing is ever passed to ``eval``. :func:`evaluate` works on
numpy arrays (the float pass over every row) and on fractions (the exact pass) alike.

A rule comes from an untrusted plan file: it may hold at most :data:`MAX_TERMS` numbers and
columns and :data:`MAX_DEPTH` nested brackets (or signs), numbers of at most
:data:`MAX_DIGITS` digits within 10^±:data:`MAX_EXPONENT`, and no division by a constant
zero; trees are walked without recursion, so no rule can exhaust the stack, the memory or
the time of a run.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)
    |(?P<ref>[^\W\d]\w*\.[^\s()+\-*/×÷<>=!]+)
    |(?P<op><=|>=|==|!=|<|>|[-+*/×÷()])
    )""",
    re.X,
)


COMPARE: dict[str, Callable[[Any, Any], Any]] = {
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


#: Numbers and column references a rule may hold (a consistency rule needs a handful).
MAX_TERMS = 1000
#: Brackets (and signs) a rule may nest.
MAX_DEPTH = 50
#: The digits a rule's number may have, and the decimal magnitude it may reach
#: (10^-100 … 10^100): far beyond any statistic, while ``1e999999999`` would ask for an
#: integer of a billion digits in exact arithmetic.
MAX_DIGITS = 30
MAX_EXPONENT = 100


def _number(text: str) -> Fraction:
    """The exact value of a number token, within :data:`MAX_DIGITS` and :data:`MAX_EXPONENT`."""
    value = Decimal(text)
    if value and (
        len(value.as_tuple().digits) > MAX_DIGITS or abs(value.adjusted()) > MAX_EXPONENT
    ):
        raise RuleSyntaxError(
            f"数字 '{text if len(text) <= 20 else text[:20] + '…'}' 超出范围：规则中的数字至多 {MAX_DIGITS} 位有效数字，"
            f"数量级在 1e-{MAX_EXPONENT} 与 1e{MAX_EXPONENT} 之间"
        )
    return Fraction(value)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    terms = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise RuleSyntaxError(f"无法识别 '{text[position:].strip()[:20]}'")
        if match.lastgroup in ("number", "ref"):
            terms += 1
            if terms > MAX_TERMS:
                raise RuleSyntaxError(f"规则过长：超过 {MAX_TERMS} 个数字或列；请拆成几条规则")
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
        self.depth = 0

    def node(self, op: str, args: tuple[Any, ...]) -> Node:
        """A new node; an operation on constants only is folded into the constant it makes
        (exactly), so it is computed once, not again on every row or every check."""
        if op == "neg" and args[0].op == "num":
            return Node("num", (-args[0].args[0],))
        if op in _ARITH and all(arg.op == "num" for arg in args):
            # (a constant divisor of 0 was refused by term() before)
            return Node("num", (_ARITH[op](args[0].args[0], args[1].args[0]),))
        return Node(op, args)

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise RuleSyntaxError("表达式不完整")
        self.i += 1
        return token

    def comparison(self) -> Node:
        left = self.expr()
        token = self.take()
        if token[1] not in COMPARE:
            raise RuleSyntaxError(f"这里应为比较符号（<=、>=、== 等），而不是 '{token[1]}'")
        right = self.expr()
        if self.peek() is not None:
            raise RuleSyntaxError(f"比较式之后多了 '{self.peek()[1]}'")  # type: ignore[index]
        return Node(token[1], (left, right))

    def expr(self) -> Node:
        node = self.term()
        while (token := self.peek()) and token[1] in "+-" and token[0] == "op":
            self.take()
            node = self.node(token[1], (node, self.term()))
        return node

    def term(self) -> Node:
        node = self.factor()
        while (token := self.peek()) and token[1] in "*/" and token[0] == "op":
            self.take()
            right = self.factor()
            if token[1] == "/" and right.op == "num" and right.args[0] == 0:
                raise RuleSyntaxError("除数恒为 0：这条规则在任何一行都无法计算")
            node = self.node(token[1], (node, right))
        return node

    def factor(self) -> Node:
        kind, value = self.take()
        if kind == "number":
            return Node("num", (_number(value),))
        if kind == "ref":
            return Node("ref", (value,))
        if value not in ("-", "("):
            raise RuleSyntaxError(f"这里不应出现 '{value}'")
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise RuleSyntaxError(f"括号或负号嵌套超过 {MAX_DEPTH} 层；请简化规则")
        if value == "-":
            node = self.node("neg", (self.factor(),))
        else:
            node = self.expr()
            if self.take()[1] != ")":
                raise RuleSyntaxError("括号没有闭合")
        self.depth -= 1
        return node


def parse_rule(text: str) -> Node:
    """Parse a rule into a tree; :class:`RuleSyntaxError` when it is not well formed."""
    return _Parser(text).comparison()


def refs_of(node: Node) -> list[str]:
    """The column references of a tree, left to right (repeats kept)."""
    refs: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.op == "ref":
            refs.append(current.args[0])
        elif current.op != "num":
            stack.extend(reversed(current.args))
    return refs


def rule_refs(text: str) -> list[str]:
    """The column references of a rule (empty when it does not parse)."""
    try:
        return list(dict.fromkeys(refs_of(parse_rule(text))))
    except RuleSyntaxError:
        return []


def evaluate(
    node: Node, value: Callable[[str], Any], number: Callable[[Fraction], Any] = lambda f: f
) -> Any:
    """Evaluate a tree; ``value(ref)`` gives a column (array) or a cell (Fraction).

    Walked with an explicit stack (operands left to right), so a long sum cannot exhaust
    Python's recursion limit.
    """
    results: list[Any] = []
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, ready = stack.pop()
        if current.op == "num":
            results.append(number(current.args[0]))
        elif current.op == "ref":
            results.append(value(current.args[0]))
        elif not ready:
            stack.append((current, True))
            stack.extend((arg, False) for arg in reversed(current.args))
        elif current.op == "neg":
            results.append(-results.pop())
        else:
            right = results.pop()
            left = results.pop()
            operation = _ARITH.get(current.op) or COMPARE[current.op]
            results.append(operation(left, right))
    return results.pop()
