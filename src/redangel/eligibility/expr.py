"""The rule expression language: tokenizer and parser to a small AST. Never eval, never exec.

    expr    := 'if' expr 'then' expr 'else' expr | or
    or      := and ('or' and)*          and := not ('and' not)*
    not     := 'not' not | compare      compare := sum (op sum | 'in' list)?
    sum     := product (('+'|'-') product)*
    product := unary (('*'|'/') unary)*  unary := '-' unary | atom
    atom    := number | $money | date | number unit | "string" | true | false | name
             | name '(' args ')' | agg '(' 'members' ['.' fact] 'where' expr ')' | '(' expr ')'
    list    := '[' atom (',' atom)* ']'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from redangel.eligibility.errors import CatalogError

UNITS = {"year": "years", "years": "years", "month": "months", "months": "months",
         "day": "days", "days": "days"}
AGGREGATES = ("count", "any", "all", "sum")
MAX_DEPTH = 48
KEYWORDS = {"if", "then", "else", "and", "or", "not", "in", "true", "false", "where",
            "members", "unknown"}
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<money>\$\d+(?:\.\d{1,2})?)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>"[^"\\\n]{0,200}")
  | (?P<op><=|>=|==|!=|<|>|\+|-|\*|/|\(|\)|\[|\]|,|\.)
  | (?P<name>[a-z_][a-z0-9_]*)
""", re.VERBOSE)


@dataclass(frozen=True)
class Node:
    """An expression node: a kind, its value or children, and its position for errors."""

    kind: str
    value: object = None
    children: tuple[Node, ...] = field(default_factory=tuple)
    offset: int = 0


def tokenize(text: str, *, file: str, line: int) -> list[tuple[str, str, int]]:
    """Split an expression into (kind, text, offset) tokens."""
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise CatalogError(f"unexpected character {text[pos]!r} in expression", file=file,
                               line=line)
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append((kind, match.group(), pos))
        pos = match.end()
    tokens.append(("end", "", len(text)))
    return tokens


class Parser:
    """A recursive-descent parser over the tokens of one expression."""

    def __init__(self, text: str, *, file: str, line: int) -> None:
        self.text, self.file, self.line = text, file, line
        self.tokens = tokenize(text, file=file, line=line)
        self.i = 0
        self.depth = 0

    def fail(self, message: str) -> CatalogError:
        """An error naming the expression's file and line."""
        return CatalogError(f"{message} in `{self.text}`", file=self.file, line=self.line)

    def peek(self, *texts: str) -> bool:
        return self.tokens[self.i][1] in texts and self.tokens[self.i][0] in ("op", "name")

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, text: str) -> None:
        if not self.peek(text):
            raise self.fail(f"expected `{text}`")
        self.i += 1

    def parse(self) -> Node:
        """The whole expression."""
        node = self.expr()
        if self.tokens[self.i][0] != "end":
            raise self.fail(f"unexpected `{self.tokens[self.i][1]}`")
        return node

    def deeper(self) -> None:
        """Refuse expressions nested beyond what a person can read (and the stack can hold)."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"expression nested more than {MAX_DEPTH} levels deep")

    def expr(self) -> Node:
        self.deeper()
        try:
            return self.conditional()
        finally:
            self.depth -= 1

    def conditional(self) -> Node:
        if self.peek("if"):
            offset = self.take()[2]
            condition = self.expr()
            self.expect("then")
            yes = self.expr()
            self.expect("else")
            return Node("if", None, (condition, yes, self.expr()), offset)
        return self.or_()

    def or_(self) -> Node:
        node = self.and_()
        while self.peek("or"):
            offset = self.take()[2]
            node = Node("or", None, (node, self.and_()), offset)
        return node

    def and_(self) -> Node:
        node = self.not_()
        while self.peek("and"):
            offset = self.take()[2]
            node = Node("and", None, (node, self.not_()), offset)
        return node

    def not_(self) -> Node:
        if self.peek("not"):
            self.deeper()
            offset = self.take()[2]
            node = Node("not", None, (self.not_(),), offset)
            self.depth -= 1
            return node
        return self.compare()

    def compare(self) -> Node:
        left = self.sum_()
        if self.peek("<", "<=", ">", ">=", "==", "!="):
            _, op, offset = self.take()
            return Node("cmp", op, (left, self.sum_()), offset)
        if self.peek("in"):
            offset = self.take()[2]
            self.expect("[")
            items = [self.atom()]
            while self.peek(","):
                self.take()
                items.append(self.atom())
            self.expect("]")
            return Node("in", None, (left, *items), offset)
        return left

    def sum_(self) -> Node:
        node = self.product()
        while self.peek("+", "-"):
            _, op, offset = self.take()
            node = Node("arith", op, (node, self.product()), offset)
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.peek("*", "/"):
            _, op, offset = self.take()
            node = Node("arith", op, (node, self.unary()), offset)
        return node

    def unary(self) -> Node:
        if self.peek("-"):
            self.deeper()
            offset = self.take()[2]
            node = Node("arith", "-", (Node("number", Decimal(0), (), offset), self.unary()), offset)
            self.depth -= 1
            return node
        return self.atom()

    def atom(self) -> Node:
        kind, text, offset = self.take()
        if kind == "date":
            try:
                return Node("date", date.fromisoformat(text), (), offset)
            except ValueError as exc:
                raise self.fail(f"`{text}` is not a date") from exc
        if kind == "money":
            return Node("money", Decimal(text[1:]), (), offset)
        if kind == "number":
            if self.tokens[self.i][0] == "name" and self.tokens[self.i][1] in UNITS:
                unit = UNITS[self.take()[1]]
                return Node("duration", (int(Decimal(text)), unit), (), offset)
            return Node("number", Decimal(text), (), offset)
        if kind == "string":
            return Node("string", text[1:-1], (), offset)
        if kind == "op" and text == "(":
            node = self.expr()
            self.expect(")")
            return node
        if kind == "name":
            if text in ("true", "false"):
                return Node("bool", text == "true", (), offset)
            if text == "unknown":
                return Node("unknown", None, (), offset)
            if text in AGGREGATES and self.peek("("):
                return self.aggregate(text, offset)
            if self.peek("("):
                self.take()
                args = []
                if not self.peek(")"):
                    args.append(self.expr())
                    while self.peek(","):
                        self.take()
                        args.append(self.expr())
                self.expect(")")
                return Node("call", text, tuple(args), offset)
            if text in KEYWORDS:
                raise self.fail(f"unexpected `{text}`")
            parts = [text]
            while self.peek("."):
                self.take()
                nkind, ntext, _ = self.take()
                if nkind != "name":
                    raise self.fail("expected a name after `.`")
                parts.append(ntext)
            return Node("name", ".".join(parts), (), offset)
        raise self.fail(f"unexpected `{text or 'end of expression'}`")

    def aggregate(self, function: str, offset: int) -> Node:
        self.expect("(")
        self.expect("members")
        fact = None
        if self.peek("."):
            self.take()
            fact = self.take()[1]
        condition = Node("bool", True, (), offset)
        if self.peek("where"):
            self.take()
            condition = self.expr()
        self.expect(")")
        return Node("aggregate", (function, fact), (condition,), offset)


def parse(text: str, *, file: str, line: int) -> Node:
    """Parse one rule expression."""
    if not isinstance(text, str) or not text.strip():
        raise CatalogError("an expression must be a non-empty string", file=file, line=line)
    if len(text) > 2000:
        raise CatalogError("expression too long", file=file, line=line)
    return Parser(text, file=file, line=line).parse()
