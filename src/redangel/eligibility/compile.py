"""Type-checking rule expressions against the fact schema and compiling them to closures.

Every name is resolved and every operation typed when the catalog loads, so a misspelt fact or
a date compared to money fails with file and line before any clerk sees it. Compiled closures
use three-valued logic: a missing fact is `None` (unknown), never false.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from redangel.eligibility.errors import CatalogError
from redangel.eligibility.expr import Node
from redangel.eligibility.values import holds, months_between, num, shift, years_between

Value = Any
__all__ = ["Comparison", "Compiled", "Context", "Scope", "compile_expression", "months_between",
           "years_between"]
NUMERIC = {"number", "money"}


@dataclass
class Comparison:
    """One comparison as it was evaluated: what was compared to what, and the outcome."""

    key: tuple[str, int, int]
    actual: Value
    op: str
    threshold: Value
    result: bool | None
    in_member: bool = False
    kind: str = "number"  # what the two sides are: number, money, date, string, bool


@dataclass
class Context:
    """Everything an expression may read while it is evaluated."""

    person: Mapping[str, Any]
    members: list[Mapping[str, Any]]
    answers: Mapping[str, Any]
    as_of: date
    params: Callable[[str, date], Any]
    member: Mapping[str, Any] | None = None
    missing: set[str] = field(default_factory=set)
    comparisons: list[Comparison] | None = None


Compiled = Callable[[Context], Value]


@dataclass(frozen=True)
class Scope:
    """What names mean where an expression is compiled."""

    person: Mapping[str, str]
    event: Mapping[str, str]
    params: Mapping[str, str]
    file: str
    line: int
    in_members: bool = False
    options: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def is_threshold(node: Node) -> bool:
    """Whether a node is a fixed side of a comparison (a literal, a parameter, sums of them)."""
    if node.kind in ("number", "money", "date", "string", "bool", "call") and (
        node.kind != "call" or node.value == "param"
    ):
        return True
    return node.kind == "arith" and all(is_threshold(c) for c in node.children)


class Compiler:
    """Compiles nodes of one expression in one scope."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def fail(self, message: str) -> CatalogError:
        return CatalogError(message, file=self.scope.file, line=self.scope.line)

    def compile(self, node: Node) -> tuple[Compiled, str]:
        """A closure and the type it returns."""
        handler = getattr(self, f"_{node.kind}")
        result: tuple[Compiled, str] = handler(node)
        return result

    def _number(self, node: Node) -> tuple[Compiled, str]:
        value = node.value
        return (lambda ctx: value), "number"

    def _money(self, node: Node) -> tuple[Compiled, str]:
        value = node.value
        return (lambda ctx: value), "money"

    def _date(self, node: Node) -> tuple[Compiled, str]:
        value = node.value
        return (lambda ctx: value), "date"

    def _string(self, node: Node) -> tuple[Compiled, str]:
        value = node.value
        return (lambda ctx: value), "string"

    def _bool(self, node: Node) -> tuple[Compiled, str]:
        value = node.value
        return (lambda ctx: value), "bool"

    def _unknown(self, node: Node) -> tuple[Compiled, str]:
        return (lambda ctx: None), "unknown"

    def _duration(self, node: Node) -> tuple[Compiled, str]:
        value = node.value
        return (lambda ctx: value), "duration"

    def _name(self, node: Node) -> tuple[Compiled, str]:
        name = str(node.value)
        if name == "today":
            return (lambda ctx: ctx.as_of), "date"
        root, _, fact = name.partition(".")
        if root == "person" and fact in self.scope.person:
            kind = self.scope.person[fact]

            def person_fact(ctx: Context) -> Value:
                value = ctx.person.get(fact)
                if value is None:
                    ctx.missing.add(name)
                return num(value) if kind in NUMERIC else value

            return person_fact, kind
        if root == "event" and fact in self.scope.event:
            kind = self.scope.event[fact]

            def event_fact(ctx: Context) -> Value:
                value = ctx.answers.get(fact)
                if value is None:
                    ctx.missing.add(name)
                return num(value) if kind in NUMERIC else value

            return event_fact, kind
        if root == "member" and self.scope.in_members and (
            fact in self.scope.person or fact == "relationship"
        ):
            kind = "string" if fact == "relationship" else self.scope.person[fact]

            def member_fact(ctx: Context) -> Value:
                value = (ctx.member or {}).get(fact)
                if value is None:
                    ctx.missing.add(name)
                return num(value) if kind in NUMERIC else value

            return member_fact, kind
        raise self.fail(f"unknown fact `{name}`")

    def _not(self, node: Node) -> tuple[Compiled, str]:
        inner = self.boolean(node.children[0])
        return (lambda ctx: None if (v := inner(ctx)) is None else not v), "bool"

    def boolean(self, node: Node) -> Compiled:
        fn, kind = self.compile(node)
        if kind not in ("bool", "unknown"):
            raise self.fail(f"expected a condition, got a {kind}")
        return fn

    def _and(self, node: Node) -> tuple[Compiled, str]:
        left, right = (self.boolean(c) for c in node.children)

        def both(ctx: Context) -> Value:
            a, b = left(ctx), right(ctx)
            if a is False or b is False:
                return False
            return None if a is None or b is None else True

        return both, "bool"

    def _or(self, node: Node) -> tuple[Compiled, str]:
        left, right = (self.boolean(c) for c in node.children)

        def either(ctx: Context) -> Value:
            a, b = left(ctx), right(ctx)
            if a is True or b is True:
                return True
            return None if a is None or b is None else False

        return either, "bool"

    def _if(self, node: Node) -> tuple[Compiled, str]:
        condition = self.boolean(node.children[0])
        (yes, ykind), (no, nkind) = self.compile(node.children[1]), self.compile(node.children[2])
        if ykind != nkind and {ykind, nkind} - NUMERIC and "unknown" not in (ykind, nkind):
            raise self.fail(f"`then` gives a {ykind} but `else` gives a {nkind}")

        def choose(ctx: Context) -> Value:
            c = condition(ctx)
            return None if c is None else (yes(ctx) if c else no(ctx))

        return choose, ykind if ykind != "unknown" else nkind

    def _cmp(self, node: Node) -> tuple[Compiled, str]:
        op = str(node.value)
        left_node, right_node = node.children
        (left, lkind), (right, rkind) = self.compile(left_node), self.compile(right_node)
        comparable = lkind == rkind or {lkind, rkind} <= NUMERIC or "unknown" in (lkind, rkind)
        if not comparable:
            raise self.fail(f"cannot compare a {lkind} with a {rkind}")
        if op not in ("==", "!=") and lkind in ("bool", "string"):
            raise self.fail(f"`{op}` needs numbers, money or dates, not {lkind}s")
        self.check_options(left_node, [right_node])
        self.check_options(right_node, [left_node])
        key = (self.scope.file, self.scope.line, node.offset)
        in_member = self.scope.in_members
        flipped = is_threshold(left_node) and not is_threshold(right_node)
        traced = flipped or (is_threshold(right_node) and not is_threshold(left_node))
        shown = FLIP[op] if flipped else op
        kind = "money" if "money" in (lkind, rkind) else (rkind if lkind == "unknown" else lkind)

        def compare(ctx: Context) -> Value:
            a, b = left(ctx), right(ctx)
            result = None if a is None or b is None else holds(op, a, b)
            if traced and ctx.comparisons is not None:
                actual, threshold = (b, a) if flipped else (a, b)
                ctx.comparisons.append(Comparison(key, actual, shown, threshold, result, in_member,
                                                 kind))
            return result

        return compare, "bool"

    def check_options(self, node: Node, others: list[Node]) -> None:
        """Refuse a text literal that is not one of an enum's options (a misspelt value)."""
        allowed = self.scope.options.get(str(node.value)) if node.kind == "name" else None
        for other in others if allowed else []:
            if other.kind == "string" and other.value not in (allowed or ()):
                raise self.fail(f"`{other.value}` is not an option of `{node.value}` "
                                f"({', '.join(allowed or ())})")

    def _in(self, node: Node) -> tuple[Compiled, str]:
        self.check_options(node.children[0], list(node.children[1:]))
        value, kind = self.compile(node.children[0])
        options = []
        for item in node.children[1:]:
            fn, ikind = self.compile(item)
            if ikind != kind and not {ikind, kind} <= NUMERIC:
                raise self.fail(f"cannot look for a {kind} among {ikind}s")
            options.append(fn(Context({}, [], {}, date.min, lambda n, d: None)))
        frozen = frozenset(options)
        return (lambda ctx: None if (v := value(ctx)) is None else v in frozen), "bool"

    def _arith(self, node: Node) -> tuple[Compiled, str]:
        op = str(node.value)
        (left, lkind), (right, rkind) = (self.compile(c) for c in node.children)
        if lkind == "date" and rkind == "duration" and op in "+-":
            sign = 1 if op == "+" else -1

            def shifted(ctx: Context) -> Value:
                day, span = left(ctx), right(ctx)
                return None if day is None else shift(day, sign * span[0], span[1])

            return shifted, "date"
        if not ({lkind, rkind} <= NUMERIC | {"unknown"}):
            raise self.fail(f"cannot compute {lkind} {op} {rkind}")
        kind = "money" if "money" in (lkind, rkind) else "number"

        def compute(ctx: Context) -> Value:
            a, b = left(ctx), right(ctx)
            if a is None or b is None:
                return None
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            return None if b == 0 else a / b

        return compute, kind

    def _call(self, node: Node) -> tuple[Compiled, str]:
        name, args = str(node.value), node.children
        if name == "param":
            if len(args) != 1 or args[0].kind != "string":
                raise self.fail('param takes one quoted name: param("edad_minima")')
            pname = str(args[0].value)
            if pname not in self.scope.params:
                raise self.fail(f"unknown parameter `{pname}`")
            missing_name = f'param("{pname}")'

            def parameter(ctx: Context) -> Value:
                value = ctx.params(pname, ctx.as_of)
                if value is None:  # before the parameter's first dated value
                    ctx.missing.add(missing_name)
                return value

            return parameter, self.scope.params[pname]
        compiled = [self.compile(a) for a in args]
        kinds = [k for _, k in compiled]
        fns = [f for f, _ in compiled]
        if name in ("age", "age_months") and kinds == ["date"]:
            (born,) = fns
            measure = years_between if name == "age" else months_between
            return (lambda ctx: None if (d := born(ctx)) is None
                    else Decimal(measure(d, ctx.as_of))), "number"
        if name == "age_at" and kinds == ["date", "date"]:
            a, b = fns
            return (lambda ctx: None if (x := a(ctx)) is None or (y := b(ctx)) is None
                    else Decimal(years_between(x, y))), "number"
        if name == "months_between" and kinds == ["date", "date"]:
            a, b = fns
            return (lambda ctx: None if (x := a(ctx)) is None or (y := b(ctx)) is None
                    else Decimal(months_between(x, y))), "number"
        if name == "is_known" and len(fns) == 1:
            (inner,) = fns

            def is_known(ctx: Context) -> Value:
                missing, ctx.missing = ctx.missing, set()  # asking is not missing
                try:
                    return inner(ctx) is not None
                finally:
                    ctx.missing = missing

            return is_known, "bool"
        raise self.fail(f"unknown function `{name}({', '.join(kinds)})`")

    def _aggregate(self, node: Node) -> tuple[Compiled, str]:
        spec: tuple[str, str | None] = node.value  # type: ignore[assignment]
        function, fact = spec
        inner = Compiler(Scope(self.scope.person, self.scope.event, self.scope.params,
                               self.scope.file, self.scope.line, in_members=True,
                               options=self.scope.options))
        condition = inner.boolean(node.children[0])
        if function == "sum":
            if fact is None or self.scope.person.get(fact, "") not in NUMERIC:
                raise self.fail("sum needs a numeric member fact: sum(members.monthly_income ...)")
        elif fact is not None:
            raise self.fail(f"{function} counts members; it takes no fact")

        def aggregate(ctx: Context) -> Value:
            outcomes, total, unknown = [], Decimal(0), False
            for member in ctx.members:
                ctx.member = member
                hit = condition(ctx)
                outcomes.append(hit)
                if hit and fact is not None:
                    value = num(member.get(fact))
                    if value is None:
                        unknown = True
                        ctx.missing.add(f"member.{fact}")  # named like the other aggregates'
                    else:
                        total += value
            ctx.member = None
            if function == "count":
                count = Decimal(sum(1 for o in outcomes if o))
                return None if None in outcomes and not any(outcomes) else count
            if function == "any":
                return True if any(o is True for o in outcomes) else (None if None in outcomes else False)
            if function == "all":
                return False if any(o is False for o in outcomes) else (None if None in outcomes else True)
            return None if unknown else total

        kind = {"count": "number", "any": "bool", "all": "bool", "sum": "money"}[function]
        return aggregate, kind


def compile_expression(node: Node, scope: Scope, *, want: str | None = None) -> tuple[Compiled, str]:
    """Compile a parsed expression; with `want`, insist on that result type."""
    fn, kind = Compiler(scope).compile(node)
    if want == "bool" and kind not in ("bool", "unknown"):
        raise CatalogError(f"a criterion must be a condition, this gives a {kind}",
                           file=scope.file, line=scope.line)
    return fn, kind
