"""Reading each part of the catalog strictly: every value's type is checked, with file and line.

Split from `catalog.py` so that the orchestration (what is loaded in which order, and what may
refer to what) reads apart from the per-file rules.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from redangel.eligibility.compile import Scope, compile_expression, is_threshold
from redangel.eligibility.errors import CatalogError
from redangel.eligibility.expr import Node, parse
from redangel.eligibility.model import Criterion, Event, Fact, Parameter, Program, Question, Text
from redangel.eligibility.sentences import Sentence, sentence, split
from redangel.eligibility.yamlfile import Mapping, read_mapping

FACT_TYPES = {"date": "date", "money": "money", "number": "number", "integer": "number",
              "boolean": "bool", "enum": "string", "text": "string"}
RELATIONSHIPS = ("head", "spouse", "child", "parent", "grandparent", "other_relative", "other")
GROUPS = ("all_of", "any_of", "none_of")


def text(m: Mapping, prefix: str = "label") -> Text:
    """The `<prefix>_es` / `<prefix>_en` pair of a mapping."""
    es, en = m.get(f"{prefix}_es"), m.get(f"{prefix}_en")
    if not isinstance(es, str) or not isinstance(en, str) or not es.strip() or not en.strip():
        raise m.fail(f"`{prefix}_es` and `{prefix}_en` are both required text")
    return Text(es, en)


def phrases(m: Mapping, key: str) -> list[Text]:
    """A list of `{es, en}` phrases (documents, manual conditions)."""
    out = []
    for item in m.mappings(key, required=False):
        item.check_keys({"es", "en"}, set())
        out.append(Text(item.text("es"), item.text("en")))
    return out


def day(m: Mapping, key: str) -> date | None:
    """An optional date value."""
    value = m.get(key)
    if value is None:
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise m.fail(f"`{key}` must be a date YYYY-MM-DD", key)
    return value


def _labelled_options(spec: Mapping) -> tuple[tuple[str, ...], dict[str, Text]]:
    """A fact's options, each with the words people say for it: `{key: {es: …, en: …}}`."""
    options = spec.get("options")
    if not isinstance(options, Mapping):
        raise spec.fail("an enum fact lists its options with their words: "
                        "`options: {imss: {es: del IMSS, en: from the IMSS}, …}`", "options")
    labels = {}
    for key, words in options.items():
        if not isinstance(words, Mapping):
            raise options.fail(f"option `{key}` needs its words: `{{es: …, en: …}}`", str(key))
        words.check_keys({"es", "en"}, set())
        labels[str(key)] = Text(words.text("es"), words.text("en"))
    return tuple(labels), labels


def _options(spec: Mapping) -> tuple[str, ...]:
    options = spec.get("options", [])
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise spec.fail("`options` must be a list of texts", "options")
    if len(set(options)) != len(options):
        raise spec.fail("`options` lists a value twice", "options")
    if spec["type"] == "enum" and not options:
        raise spec.fail("an enum needs `options`", "type")
    if spec["type"] != "enum" and options:
        raise spec.fail("only an enum has `options`", "options")
    return tuple(options)


def schema(root: Path) -> dict[str, Fact]:
    """The person facts rules may read (`schema.yaml`)."""
    data = read_mapping(root / "schema.yaml", root)
    data.check_keys({"person"}, set())
    person = data.mapping("person")
    facts = {}
    for name, spec in person.items():
        if not isinstance(spec, Mapping):
            raise person.fail(f"fact `{name}` needs a type and labels", name)
        spec.check_keys({"type", "label_es", "label_en"}, {"options"})
        if spec["type"] not in FACT_TYPES:
            raise spec.fail(f"unknown type `{spec['type']}`", "type")
        if spec["type"] == "enum":
            options, labels = _labelled_options(spec)
            facts[name] = Fact(name, "string", text(spec), options, labels)
            continue
        facts[name] = Fact(name, FACT_TYPES[spec["type"]], text(spec), _options(spec))
    return facts


def _decimal(item: Mapping, key: str) -> Decimal:
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise item.fail(f"`{key}` must be a number", key)
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise item.fail(f"`{key}` must be a number", key) from exc
    if not number.is_finite():
        raise item.fail(f"`{key}` must be a finite number", key)
    return number


def parameters(root: Path) -> dict[str, Parameter]:
    """The dated values (`parameters.yaml`)."""
    data = read_mapping(root / "parameters.yaml", root)
    out = {}
    for name, spec in data.items():
        if not isinstance(spec, Mapping):
            raise data.fail(f"parameter `{name}` must be a mapping", name)
        spec.check_keys({"type", "label_es", "label_en", "values"}, {"reference"})
        if spec["type"] not in ("money", "number"):
            raise spec.fail("a parameter is `money` or `number`", "type")
        starts: list[date] = []
        values: list[Decimal] = []
        for item in spec.mappings("values"):
            item.check_keys({"from", "value"}, set())
            start = day(item, "from")
            if start is None:
                raise item.fail("each dated value needs `from`", "from")
            if starts and start <= starts[-1]:
                raise item.fail("dated values must be in increasing order of `from`", "from")
            starts.append(start)
            values.append(_decimal(item, "value"))
        reference = spec.text("reference") if "reference" in spec else ""
        out[name] = Parameter(name, str(spec["type"]), text(spec), reference, starts, values)
    return out


def agencies(root: Path) -> dict[str, Text]:
    """The agencies (`agencies.yaml`)."""
    data = read_mapping(root / "agencies.yaml", root)
    data.check_keys({"agencies"}, set())
    out: dict[str, Text] = {}
    for item in data.mappings("agencies"):
        item.check_keys({"code", "name_es", "name_en"}, set())
        code = item.code("code")
        if code in out:
            raise item.fail(f"duplicate agency `{code}`", "code")
        out[code] = text(item, "name")
    return out


def _sentence(item: Mapping, prefix: str, scope: Scope, compared: bool) -> Sentence:
    """A criterion's `<prefix>_es` / `<prefix>_en`: whole sentences whose `{…}` values exist."""
    words = text(item, prefix)
    for lang, phrase in (("es", words.es), ("en", words.en)):
        key = f"{prefix}_{lang}"
        if not phrase.rstrip().endswith((".", "?", "!")):
            raise item.fail(f"`{key}` is a whole sentence: end it with a full stop", key)
        for name in split(phrase).names:
            root, _, fact = name.partition(".")
            known = (name in ("value", "limit") and compared) or (
                root == "person" and fact in scope.person) or (
                root == "event" and fact in scope.event)
            if not known:
                hint = ("" if name not in ("value", "limit") else
                        " (`{value}` and `{limit}` need a criterion that is one comparison "
                        "with a fixed side, such as `age(person.birth_date) >= 18`)")
                raise item.fail(f"`{key}` names `{{{name}}}`, which is not a value it can "
                                f"say{hint}", key)
    return sentence(words.es, words.en)


def _one_comparison(node: Node | None) -> bool:
    """Whether an expression is one comparison with a fixed side (it has a value and a limit)."""
    if node is None or node.kind != "cmp":
        return False
    left, right = node.children
    return is_threshold(left) != is_threshold(right)


def criteria(m: Mapping, key: str, scope: Scope, seen: set[str]) -> list[Criterion]:
    """A (nested) list of criteria, each compiled once."""
    out = []
    for item in m.mappings(key):
        item.check_keys({"id", "label_es", "label_en", "not_met_es", "not_met_en"},
                        {"reference", "expression", "met_es", "met_en", *GROUPS})
        cid = item.code("id")
        if cid in seen:
            raise item.fail(f"duplicate criterion id `{cid}`", "id")
        seen.add(cid)
        groups = [k for k in GROUPS if k in item]
        if len(groups) + ("expression" in item) != 1:
            raise item.fail("a criterion has exactly one of expression, all_of, any_of, none_of")
        reference = item.text("reference") if "reference" in item else ""
        label = text(item)
        criterion = Criterion(cid, label, reference, groups[0] if groups else "leaf",
                              file=item.file, line=item.line, words=label.to_dict())
        if groups:
            criterion.children = criteria(item, groups[0], scope, seen)
        else:
            line = item.line_of("expression")
            leaf = Scope(scope.person, scope.event, scope.params, item.file, line,
                         options=scope.options)
            criterion.source = item.text("expression")
            criterion.node = parse(criterion.source, file=item.file, line=line)
            criterion.fn, _ = compile_expression(criterion.node, leaf, want="bool")
        compared = _one_comparison(criterion.node)
        criterion.not_met = _sentence(item, "not_met", scope, compared)
        if "met_es" in item or "met_en" in item:
            criterion.met = _sentence(item, "met", scope, compared)
        else:  # met, a criterion is said by its requirement
            criterion.met = sentence(criterion.label.es.rstrip(".") + ".",
                                     criterion.label.en.rstrip(".") + ".")
        out.append(criterion)
    return out


def questions(m: Mapping) -> list[Question]:
    """A life event's typed questions."""
    out: list[Question] = []
    for item in m.mappings("questions", required=False):
        item.check_keys({"name", "type", "label_es", "label_en"}, {"required", "options"})
        if item["type"] not in FACT_TYPES:
            raise item.fail(f"unknown question type `{item['type']}`", "type")
        name = item.code("name")
        if any(q.name == name for q in out):
            raise item.fail(f"duplicate question `{name}`", "name")
        out.append(Question(name, str(item["type"]), text(item),
                            item.boolean("required", default=True), _options(item)))
    return out


def event(path: Path, root: Path) -> tuple[Event, Mapping]:
    """One life event file (references are checked by the caller)."""
    m = read_mapping(path, root)
    m.check_keys({"code", "label_es", "label_en", "category", "programs"},
                 {"proactive", "questions", "confirm"})
    found = Event(m.code("code"), text(m), m.code("category"), m.boolean("proactive", default=False),
                  questions(m), m.codes("programs", required=True), m.codes("confirm"))
    return found, m


def program(path: Path, root: Path, scope: Scope) -> tuple[Program, Mapping]:
    """One program file, its rules compiled (references are checked by the caller)."""
    m = read_mapping(path, root)
    m.check_keys({"code", "agency", "name_es", "name_en", "legal_reference", "criteria",
                  "expected_days_to_decision"},
                 {"valid_from", "valid_to", "documents", "excludes", "manual", "sensitive"})
    valid_from, valid_to = day(m, "valid_from"), day(m, "valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        raise m.fail("`valid_to` is before `valid_from`", "valid_to")
    found = Program(
        code=m.code("code"), agency=m.code("agency"), name=text(m, "name"),
        legal_reference=m.text("legal_reference"), valid_from=valid_from, valid_to=valid_to,
        expected_days=m.integer("expected_days_to_decision", minimum=1),
        documents=phrases(m, "documents"), excludes=m.codes("excludes"),
        criteria=criteria(m, "criteria", scope, set()), manual=phrases(m, "manual"), file=m.file,
        sensitive=m.boolean("sensitive", default=False),
    )
    if found.code in found.excludes:
        raise m.fail("a program cannot exclude itself", "excludes")
    return found, m


def enum_options(facts: dict[str, Fact], events: list[Event]) -> dict[str, tuple[str, ...]]:
    """The allowed values of every enum a rule may compare with text, by qualified name."""
    out: dict[str, tuple[str, ...]] = {}
    for name, fact in facts.items():
        if fact.options:
            out[f"person.{name}"] = out[f"member.{name}"] = fact.options
    out["member.relationship"] = RELATIONSHIPS
    for found in events:
        for question in found.questions:
            if question.options:
                key = f"event.{question.name}"
                out[key] = tuple(sorted(set(out.get(key, ())) | set(question.options)))
    return out


def check_reference(m: Mapping, key: str, code: Any, known: Any, what: str) -> None:
    """Fail at `key` when `code` is not among `known`."""
    if code not in known:
        raise CatalogError(f"unknown {what} `{code}`", file=m.file, line=m.line_of(key))
