"""Reading scenario YAML safely, and saying exactly where a bad value was written.

A scenario is written by a person and read by a program, so two things matter more here
than in an ordinary YAML load:

**Safety.** YAML can do more than describe data: tags such as ``!!python/object/apply``
ask a loader to build arbitrary objects (and so run code), anchors and aliases let a
few hundred bytes expand into billions of values (the "billion laughs" document), and a
deeply nested file can exhaust the stack. This module never hands a document to a
constructor that knows such tags. It reads the parser's *events* (scalar, start of a
mapping, alias, ...) and builds a small node graph itself, refusing as it goes:

* any tag other than the standard ``str``, ``int``, ``float``, ``bool``, ``null``,
  ``timestamp``, ``seq`` and ``map``;
* merge keys (``<<: *defaults``): they hide where a value came from; write values out;
* duplicate keys (most loaders silently keep the last one) and keys that are not strings
  (``on:``, ``yes:`` and ``no:`` are booleans in YAML, ``1:`` is a number);
* more than one document in a file, and files over the limits below.

Sizes are counted *after* alias expansion, but on the graph, before anything is
expanded: each anchored node's expanded size is computed once, when it is complete, and
an alias adds that number to its parent. A document that would expand to a billion values
is refused at the alias that crosses the limit, after a few hundred additions. Values and
bytes are both counted: a long string anchored once and aliased many times crosses
``MAX_EXPANDED_BYTES`` however few values it makes. A number written with more than
``MAX_NUMBER_DIGITS`` digits is refused as it is read (no value of a scenario needs one,
and converting it would cost time quadratic in its length).

Numbers follow YAML 1.2 rather than PyYAML's YAML 1.1 rules, because the 1.1 forms
surprise people: ``9:30`` is not 570 (base 60), ``010`` is not 8 (octal), and ``1e-6``
is a float (1.1 needs a dot). A plain ``010`` stays the string "010". Booleans keep the
1.1 spellings (``yes``/``no``/``on``/``off``) that people write in configuration files.

**Positions.** Pydantic reports an error at a path such as ``("pools", "h100", "gpus")``;
a person needs ``s2.yaml:41:7``. ``Positions`` maps every path of the loaded data to the
line and column (1-based) of its value, and of its key for mapping entries, so that
``_located.located_problems`` can turn a ``ValidationError`` into problems that point
into the file, name the user's path (not pydantic's internal union tags), say what was
expected and what was found, and suggest the key that was probably meant. Values set on the
command line with ``--set PATH=VALUE`` (``apply_overrides``) are reported as
``--set PATH=VALUE`` instead of a line of the file, which no longer holds them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from simulator.errors import Problem, ScenarioError
from simulator.files import StrPath
from simulator.scenario._files import ReadRefused, read_regular_file
from simulator.scenario._positions import LineColumn, Positions, YamlPath
from simulator.scenario._words import describe

__all__ = [
    "MAX_ALIASES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_EXPANDED_BYTES",
    "MAX_NODES",
    "MAX_NUMBER_DIGITS",
    "build",
    "compose",
    "load_yaml",
    "load_yaml_file",
]

MAX_BYTES = 2_000_000
"""Largest scenario file, in bytes. Real scenarios are a few kilobytes; shot lists live in
CSV files, so a YAML file this large is a mistake or an attack."""

MAX_DEPTH = 50
"""Deepest nesting of mappings and lists, counted after aliases are expanded."""

MAX_ALIASES = 100
"""Most alias uses (``*name``) in one file: enough to share a few distributions or shift
patterns, too few to build an expansion bomb out of aliases alone."""

MAX_NODES = 200_000
"""Most values (keys, scalars, mappings and lists) in a file once aliases are expanded."""

MAX_EXPANDED_BYTES = MAX_BYTES
"""Most bytes of text (keys and scalars) in a file once aliases are expanded: aliases
share values, they do not multiply a file's size."""

MAX_NUMBER_DIGITS = 400
"""Most digits of a number as written; every range of a scenario fits in far fewer."""

# --- scalars -----------------------------------------------------------------------------

_DIGITS = r"[0-9]+(?:_[0-9]+)*"
_EXP = r"[eE][-+]?[0-9]+"
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*(?:_[0-9]+)*|0x[0-9a-fA-F]+|0o[0-7]+)")
_FLOAT = re.compile(
    rf"[-+]?(?:{_DIGITS}\.(?:{_DIGITS})?(?:{_EXP})?|\.{_DIGITS}(?:{_EXP})?"
    rf"|{_DIGITS}{_EXP})"
)
_SPECIAL_FLOAT = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
_TRUE = frozenset({"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"})
_FALSE = frozenset({"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"})
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?"
)
_TIMESTAMPS = yaml.constructor.SafeConstructor()

_YAML_TAG = "tag:yaml.org,2002:"
_SEQ_TAG = _YAML_TAG + "seq"
_MAP_TAG = _YAML_TAG + "map"


class _NumberTooLong(ValueError):
    """A number written with more digits than any value of a scenario needs."""


def _to_int(text: str) -> int:
    clean = text.replace("_", "")
    if len(clean) > MAX_NUMBER_DIGITS + 3:  # a sign and a 0x prefix besides the digits
        raise _NumberTooLong(
            f"a number written with {len(clean):,} characters is too long: no value of a "
            f"scenario needs more than {MAX_NUMBER_DIGITS} digits"
        )
    sign = -1 if clean.startswith("-") else 1
    digits = clean.lstrip("+-")
    if digits.startswith(("0x", "0o")):
        return sign * int(digits[2:], 16 if digits[1] == "x" else 8)
    return int(clean)


def _to_float(text: str) -> float:
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return float("-inf") if lowered.startswith("-") else float("inf")
    if lowered == ".nan":
        return float("nan")
    return float(text.replace("_", ""))


def _to_bool(text: str) -> bool:
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{text!r} is not true or false")


def _to_null(text: str) -> None:
    if text not in _NULL:
        raise ValueError(f"{text!r} is not null")


def _to_timestamp(text: str) -> dt.date | dt.datetime:
    if not _TIMESTAMP.fullmatch(text):
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD) or date and time")
    value: dt.date | dt.datetime = _TIMESTAMPS.construct_yaml_timestamp(
        yaml.ScalarNode(_YAML_TAG + "timestamp", text)
    )
    return value


# Explicitly tagged scalars (``!!int "3"``) are read by the converter for their tag.
_CONVERTERS: dict[str, Any] = {
    "str": str,
    "int": _to_int,
    "float": _to_float,
    "bool": _to_bool,
    "null": _to_null,
    "timestamp": _to_timestamp,
}


def _resolve_plain(text: str) -> tuple[str, Any]:
    """The kind and value of an unquoted, untagged scalar."""
    if text in _NULL:
        return "null", None
    if text in _TRUE:
        return "bool", True
    if text in _FALSE:
        return "bool", False
    first = text[0]
    if first in "+-.0123456789":
        if _INT.fullmatch(text):
            return "int", _to_int(text)
        if _FLOAT.fullmatch(text) or _SPECIAL_FLOAT.fullmatch(text):
            return "float", _to_float(text)
        if _TIMESTAMP.fullmatch(text):
            return "timestamp", _to_timestamp(text)
    return "str", text


# --- composing the node graph from parser events ----------------------------------------


@dataclass(slots=True)
class _Scalar:
    kind: str  # str, int, float, bool, null, timestamp
    value: Any
    text: str
    plain: bool
    line: int
    column: int


@dataclass(slots=True)
class _Seq:
    line: int
    column: int
    items: list[_Node] = field(default_factory=list)


@dataclass(slots=True)
class _Map:
    line: int
    column: int
    # (key, key line, key column, value)
    entries: list[tuple[str, int, int, _Node]] = field(default_factory=list)


@dataclass(slots=True)
class _Alias:
    target: _Node
    line: int
    column: int


_Node = _Scalar | _Seq | _Map | _Alias


@dataclass(slots=True)
class _Frame:
    """A mapping or list whose end event has not come yet."""

    node: _Seq | _Map
    anchor: str | None
    size: int = 1  # expanded count of nodes in it so far, itself included
    text_bytes: int = 0  # expanded bytes of keys and scalars in it so far
    height: int = 0  # deepest nesting among its children (scalars are 0)
    key: tuple[str, int, int] | None = None  # a mapping's key waiting for its value
    seen: dict[str, int] = field(default_factory=dict)  # key -> line of first use


def _where(event: yaml.Event) -> LineColumn:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML_TAG) :] if tag.startswith(_YAML_TAG) else tag


class _Composer:
    """Builds the node graph from parser events, enforcing every rule and limit."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.stack: list[_Frame] = []
        # name -> node, expanded size, height, expanded bytes of text
        self.anchors: dict[str, tuple[_Node, int, int, int]] = {}
        self.aliases = 0
        self.documents = 0
        self.root: _Node | None = None

    def refuse(self, line: int, column: int, message: str) -> ScenarioError:
        return ScenarioError(Problem(message, "", self.source, line, column))

    def run(self, events: Iterator[yaml.Event]) -> _Node | None:
        for event in events:
            if isinstance(event, yaml.ScalarEvent):
                self.scalar(event)
            elif isinstance(event, yaml.CollectionStartEvent):
                self.start(event)
            elif isinstance(event, yaml.CollectionEndEvent):
                self.end()
            elif isinstance(event, yaml.AliasEvent):
                self.alias(event)
            elif isinstance(event, yaml.DocumentStartEvent):
                self.documents += 1
                if self.documents > 1:
                    raise self.refuse(
                        *_where(event),
                        "a second YAML document starts here; a scenario file holds exactly "
                        "one (remove the '---' line or split the file)",
                    )
        return self.root

    def scalar(self, event: yaml.ScalarEvent) -> None:
        line, column = _where(event)
        text = event.value
        tag = event.tag
        plain = bool(event.implicit[0]) and tag is None
        if tag is None or tag == "!":
            if not plain:
                kind, value = "str", text
            else:
                try:
                    kind, value = _resolve_plain(text)
                except _NumberTooLong as error:
                    raise self.refuse(line, column, str(error)) from None
                except ValueError as error:  # shaped like a date, but not one (2027-02-30)
                    raise self.refuse(
                        line,
                        column,
                        f"{text!r} is written like a date but is not one ({error}); "
                        "put it in quotes if it is text",
                    ) from None
        else:
            short = tag[len(_YAML_TAG) :] if tag.startswith(_YAML_TAG) else None
            if short not in _CONVERTERS:
                raise self.refuse(line, column, _tag_message(tag))
            kind = short
            try:
                value = _CONVERTERS[short](text)
            except ValueError as error:
                raise self.refuse(
                    line, column, f"cannot read {text!r} as {_show_tag(tag)}: {error}"
                ) from None
        node = _Scalar(kind, value, text, plain, line, column)
        if event.anchor is not None:
            self.anchors[event.anchor] = (node, 1, 0, len(text))
        self.attach(node, 1, 0, len(text))

    def start(self, event: yaml.CollectionStartEvent) -> None:
        line, column = _where(event)
        is_map = isinstance(event, yaml.MappingStartEvent)
        tag = event.tag
        if tag is not None and tag != "!" and tag != (_MAP_TAG if is_map else _SEQ_TAG):
            raise self.refuse(line, column, _tag_message(tag))
        if len(self.stack) >= MAX_DEPTH:
            raise self.refuse(
                line, column, f"nesting is deeper than {MAX_DEPTH} levels (the limit)"
            )
        node: _Seq | _Map = _Map(line, column) if is_map else _Seq(line, column)
        self.stack.append(_Frame(node, event.anchor))

    def end(self) -> None:
        frame = self.stack.pop()
        height = frame.height + 1
        if frame.anchor is not None:
            self.anchors[frame.anchor] = (frame.node, frame.size, height, frame.text_bytes)
        self.attach(frame.node, frame.size, height, frame.text_bytes)

    def alias(self, event: yaml.AliasEvent) -> None:
        line, column = _where(event)
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise self.refuse(
                line, column, f"more than {MAX_ALIASES} aliases ('*name') in one file (the limit)"
            )
        name = event.anchor or ""
        if name not in self.anchors:
            # An alias inside its own anchor lands here too: recursive data is refused.
            raise self.refuse(
                line, column, f"alias '*{name}' refers to no complete anchor '&{name}' before it"
            )
        target, size, height, text_bytes = self.anchors[name]
        if len(self.stack) + height > MAX_DEPTH:
            raise self.refuse(
                line,
                column,
                f"nesting is deeper than {MAX_DEPTH} levels (the limit) once alias "
                f"'*{name}' is expanded",
            )
        self.attach(_Alias(target, line, column), size, height, text_bytes)

    def attach(self, node: _Node, size: int, height: int, text_bytes: int) -> None:
        if not self.stack:
            self.root = node
            return
        frame = self.stack[-1]
        frame.size += size
        frame.text_bytes += text_bytes
        if frame.text_bytes > MAX_EXPANDED_BYTES and self.aliases:
            raise self.refuse(
                node.line,
                node.column,
                f"the document holds more than {MAX_EXPANDED_BYTES:,} bytes of text once "
                "aliases are expanded (the limit)",
            )
        if frame.size > MAX_NODES:
            how = " once aliases are expanded" if self.aliases else ""
            raise self.refuse(
                node.line,
                node.column,
                f"the document holds more than {MAX_NODES:,} values{how} (the limit)",
            )
        if height > frame.height:
            frame.height = height
        parent = frame.node
        if isinstance(parent, _Seq):
            parent.items.append(node)
        elif frame.key is None:
            key = self.key_text(node)
            first = frame.seen.get(key)
            if first is not None:
                raise self.refuse(
                    node.line, node.column, f"key {key!r} appears twice (first at line {first})"
                )
            frame.seen[key] = node.line
            frame.key = (key, node.line, node.column)
        else:
            key, key_line, key_column = frame.key
            parent.entries.append((key, key_line, key_column, node))
            frame.key = None

    def key_text(self, node: _Node) -> str:
        target = node.target if isinstance(node, _Alias) else node
        if isinstance(target, _Scalar):
            if target.plain and target.text == "<<":
                raise self.refuse(
                    node.line, node.column, "merge keys are not allowed; write the values out"
                )
            if target.kind == "str":
                return str(target.value)
            found = {
                "bool": f"the boolean {str(target.value).lower()} (YAML reads {target.text!r} "
                "as a boolean)",
                "null": "null" if target.text else "an empty key",
                "int": f"the number {target.text}",
                "float": f"the number {target.text}",
                "timestamp": f"the date {target.text}",
            }[target.kind]
            hint = f"; write it in quotes: '{target.text}'" if target.text else ""
            raise self.refuse(node.line, node.column, f"key must be a string, got {found}{hint}")
        what = "a list" if isinstance(target, _Seq) else "a mapping"
        raise self.refuse(node.line, node.column, f"key must be a string, got {what}")


def _tag_message(tag: str) -> str:
    return (
        f"tag {_show_tag(tag)!r} is not allowed: a scenario holds only plain mappings, "
        "lists, strings, numbers, booleans, dates and null"
    )


_EventLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _events(text: str) -> Iterator[yaml.Event]:
    # Only the parser of the loader is used: its events carry no constructed objects.
    loader = _EventLoader(text)
    try:
        while loader.check_event():
            yield loader.get_event()
    finally:
        loader.dispose()


def compose(text: str, source: str) -> _Node | None:
    """The document's node graph (None for an empty stream), or a located refusal."""
    try:
        return _Composer(source).run(_events(text))
    except yaml.MarkedYAMLError as error:
        raise ScenarioError(_syntax_problem(error, text, source)) from None
    except yaml.reader.ReaderError as error:
        where = text.find(chr(error.character)) if isinstance(error.character, int) else -1
        line, column = _line_column(text, where) if where >= 0 else (None, None)
        code = error.character if isinstance(error.character, int) else 0
        raise ScenarioError(
            Problem(
                f"character U+{code:04X} is not allowed in YAML ({error.reason})",
                "",
                source,
                line,
                column,
            )
        ) from None
    except yaml.YAMLError as error:
        raise ScenarioError(Problem(f"invalid YAML: {error}", "", source)) from None


def _line_column(text: str, index: int) -> LineColumn:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _syntax_problem(error: yaml.MarkedYAMLError, text: str, source: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    message = f"invalid YAML: {error.problem or error.context or 'cannot parse'}"
    if error.context and error.context_mark is not None and error.problem:
        c = error.context_mark
        message += f" ({error.context} that starts at line {c.line + 1}, column {c.column + 1})"
    if mark is None:
        return Problem(message, "", source)
    lines = text.splitlines()
    bad_line = lines[mark.line] if mark.line < len(lines) else ""
    if "\t" in bad_line[: mark.column + 1] and "tab" not in message:
        message += "; indent with spaces, not tabs"
    return Problem(message, "", source, mark.line + 1, mark.column + 1)


def build(node: _Node, path: YamlPath, positions: Positions) -> Any:
    """Plain Python data from the node graph, recording every position on the way.

    An alias is written out again at each use (bounded by MAX_NODES): the data stays a
    tree, and each use has its own path. Its value is located at the ``*name``; what is
    inside at the anchor's text.
    """
    positions.record(path, node.line, node.column)
    target = node.target if isinstance(node, _Alias) else node
    if isinstance(target, _Scalar):
        return target.value
    if isinstance(target, _Seq):
        return [build(item, (*path, i), positions) for i, item in enumerate(target.items)]
    assert isinstance(target, _Map)  # an anchor never names an alias
    result: dict[str, Any] = {}
    for key, key_line, key_column, value in target.entries:
        child = (*path, key)
        positions.record(child, key_line, key_column, key=True)
        result[key] = build(value, child, positions)
    return result


def _describe_node(node: _Node) -> str:
    target = node.target if isinstance(node, _Alias) else node
    if isinstance(target, _Seq):
        return "a list"
    if isinstance(target, _Map):
        return "a mapping"
    assert isinstance(target, _Scalar)
    return describe(target.value)


# --- loading -----------------------------------------------------------------------------


def _check_size(size: int, source: str) -> None:
    if size > MAX_BYTES:
        raise ScenarioError(
            Problem(f"file is {size:,} bytes; the limit is {MAX_BYTES:,} bytes", "", source)
        )


def load_yaml(text: str, source: str) -> tuple[Any, Positions]:
    """Parse one scenario document safely: its data (a dict) and where each value is.

    Raises ``ScenarioError`` with a located ``Problem`` for anything a scenario may not
    contain (see the module's description) and for YAML syntax errors.
    """
    if len(text) > MAX_BYTES // 4:  # fewer characters cannot exceed the limit in bytes
        _check_size(len(text.encode("utf-8", errors="surrogatepass")), source)
    root = compose(text, source)
    if root is None or (isinstance(root, _Scalar) and root.kind == "null" and not root.text):
        raise ScenarioError(
            Problem("file is empty; expected a mapping of scenario keys", "", source, 1, 1)
        )
    if not isinstance(root, _Map):
        raise ScenarioError(
            Problem(
                f"expected a mapping of scenario keys, got {_describe_node(root)}",
                "",
                source,
                root.line,
                root.column,
            )
        )
    positions = Positions()
    return build(root, (), positions), positions


def load_yaml_file(path: StrPath) -> tuple[Any, Positions]:
    """Read and parse a scenario file (``load_yaml`` with the path as the source name)."""
    source = str(path)
    try:
        # A regular file within the limit, checked before anything is read into memory.
        data = read_regular_file(path, MAX_BYTES, "file")
    except ReadRefused as error:
        raise ScenarioError(Problem(str(error), "", source)) from None
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark, if any, is not content
    except UnicodeDecodeError as error:
        start = error.start
        line = data.count(b"\n", 0, start) + 1
        line_start = data.rfind(b"\n", 0, start) + 1
        column = len(data[line_start:start].decode("utf-8", errors="replace")) + 1
        raise ScenarioError(
            Problem(
                f"file is not UTF-8 text (byte 0x{data[start]:02x}); save it as UTF-8",
                "",
                source,
                line,
                column,
            )
        ) from None
    return load_yaml(text, source)
