"""Turning pydantic's validation errors into problems a person can act on.

Pydantic reports an error at a path such as ``("pools", "h100", "gpus")`` with a type
code and pydantic's own wording; a person needs ``s2.yaml:41:7 pools.h100.gpus: must be
an integer >= 0, got -3``. ``located_problems`` walks the scenario model along each
error's path to find what was expected there (so it can drop pydantic's internal union
tags from the path, name the valid keys and suggest the one probably meant), and asks
``Positions`` (``_yaml``) where the value was written: a line and column of the file, or
the ``--set PATH=VALUE`` that set it.
"""

from __future__ import annotations

import difflib
import enum
import re
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, Discriminator, Tag, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from simulator.errors import Problem
from simulator.scenario._positions import Positions, YamlPath
from simulator.scenario._values import range_words
from simulator.scenario._words import describe as _describe
from simulator.scenario._words import number_text as _number
from simulator.scenario._words import suggest as _suggest

__all__ = ["located_problems"]


# --- locating validation errors ---------------------------------------------------------


@dataclass(slots=True)
class _Type:
    """An annotation with its wrappers removed, and the discriminator that applies to it."""

    tp: Any
    discriminator: str | Discriminator | None = None
    bounds: dict[str, Any] = field(default_factory=dict)  # ge, gt, le, lt found on the way


_BOUND_KEYS = ("ge", "gt", "le", "lt")


def _collect_bounds(metadata: Sequence[Any], bounds: dict[str, Any]) -> None:
    for meta in metadata:
        if isinstance(meta, FieldInfo):
            _collect_bounds(meta.metadata, bounds)
            continue
        for key in _BOUND_KEYS:
            value = getattr(meta, key, None)
            if value is not None:
                bounds[key] = value


def _unwrap(
    tp: Any,
    discriminator: str | Discriminator | None = None,
    bounds: dict[str, Any] | None = None,
) -> _Type:
    found = dict(bounds or {})
    while True:
        if get_origin(tp) is Annotated:
            for meta in tp.__metadata__:
                if isinstance(meta, FieldInfo) and meta.discriminator is not None:
                    discriminator = meta.discriminator
                elif isinstance(meta, Discriminator):
                    discriminator = meta
            _collect_bounds(tp.__metadata__, found)
            tp = tp.__origin__
        elif type(tp).__name__ == "TypeAliasType" and hasattr(tp, "__value__"):
            tp = tp.__value__
        else:
            return _Type(tp, discriminator, found)


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _members(tp: Any) -> list[Any]:
    """Union members, flattened, without None (Optional adds no step to a location)."""
    out: list[Any] = []
    for member in get_args(tp):
        inner = _unwrap(member).tp
        if inner is type(None):
            continue
        if _is_union(inner) and _unwrap(member).discriminator is None:
            out.extend(_members(inner))
        else:
            out.append(member)
    return out


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and hasattr(tp, "__pydantic_fields__")


def _model_keys(model: Any) -> dict[str, FieldInfo]:
    """The keys a model accepts in YAML (aliases where set), each with its field."""
    keys: dict[str, FieldInfo] = {}
    fields: dict[str, FieldInfo] = model.__pydantic_fields__
    for name, info in fields.items():
        alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
        keys[alias or name] = info
    return keys


def _field_type(info: FieldInfo) -> _Type:
    """A model field's type, with the discriminator given by ``Field`` or in its metadata."""
    discriminator = info.discriminator
    for meta in info.metadata:
        if isinstance(meta, Discriminator):
            discriminator = meta
    bounds: dict[str, Any] = {}
    _collect_bounds(info.metadata, bounds)
    return _unwrap(info.annotation, discriminator, bounds)


def _member_tags(member: Any, discriminator: str | Discriminator) -> list[str]:
    """The tags that select ``member`` of a discriminated union."""
    if get_origin(member) is Annotated:
        tags = [str(m.tag) for m in member.__metadata__ if isinstance(m, Tag)]
        if tags:
            return tags
    inner = _unwrap(member).tp
    if isinstance(discriminator, str) and _is_model(inner):
        info = _model_keys(inner).get(discriminator) or inner.__pydantic_fields__.get(discriminator)
        if info is not None:
            return _literal_values(_unwrap(info.annotation).tp)
    return []


def _literal_values(tp: Any) -> list[str]:
    tp = _unwrap(tp).tp
    if get_origin(tp) is Literal:
        return [str(v.value if isinstance(v, enum.Enum) else v) for v in get_args(tp)]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return [str(m.value) for m in tp]
    if _is_union(tp):
        return [v for m in _members(tp) for v in _literal_values(m)]
    return []


def _discriminator_key(discriminator: str | Discriminator | None) -> str | None:
    if isinstance(discriminator, Discriminator):
        inner = discriminator.discriminator
        return inner if isinstance(inner, str) else None
    return discriminator


def _step(t: _Type, item: str | int) -> _Type | None:
    """The type found at ``item`` inside a value of type ``t`` (None if unknown)."""
    tp = t.tp
    if _is_model(tp):
        if isinstance(item, str):
            info = _model_keys(tp).get(item) or tp.__pydantic_fields__.get(item)
            if info is not None:
                return _field_type(info)
        return None
    origin = get_origin(tp) or tp
    args = get_args(tp)
    if isinstance(origin, type) and issubclass(origin, Mapping):
        return _unwrap(args[1]) if len(args) == 2 and isinstance(item, str) else None
    if origin is tuple and isinstance(item, int):
        if len(args) == 2 and args[1] is Ellipsis:
            return _unwrap(args[0])
        return _unwrap(args[item]) if item < len(args) else None
    is_sequence = isinstance(origin, type) and issubclass(origin, Sequence | set | frozenset)
    if is_sequence and isinstance(item, int) and len(args) == 1 and origin is not str:
        return _unwrap(args[0])
    return None


@dataclass(slots=True)
class _Walk:
    """An error's location read against the model: the user's path and what lies there."""

    path: YamlPath = ()
    types: list[_Type] = field(default_factory=list)  # what is expected at ``path``
    parent_keys: list[str] = field(default_factory=list)  # keys allowed beside the last step
    key_error: bool = False  # the error is about a mapping's key, not its value
    # Each plain (undiscriminated) union passed: (its path, the member label taken).
    unions: list[tuple[YamlPath, str]] = field(default_factory=list)


def _walk(
    loc: tuple[str | int, ...], model: type[BaseModel], positions: Positions, error_type: str
) -> _Walk:
    walk = _Walk(types=[_unwrap(model)])
    items = list(loc)
    index = 0
    while index < len(items):
        item = items[index]
        if item == "[key]":
            walk.key_error = True
            index += 1
            continue
        if len(walk.types) == 1 and _is_union(walk.types[0].tp):
            union = walk.types[0]
            members = _members(union.tp)
            if union.discriminator is not None:
                chosen = [m for m in members if str(item) in _member_tags(m, union.discriminator)]
                walk.types = [_unwrap(m) for m in chosen]
                index += 1  # the tag pydantic inserted: not part of the user's path
                continue
            if len(members) > 1:
                models = [m for m in members if getattr(_unwrap(m).tp, "__name__", None) == item]
                others = [m for m in members if not _is_model(_unwrap(m).tp)]
                walk.types = [_unwrap(m) for m in (models or others)]
                walk.unions.append((walk.path, str(item)))
                index += 1
                continue
            walk.types = [_unwrap(members[0])] if members else []
            continue
        last = index == len(items) - 1
        known = [t for t in walk.types if not _is_union(t.tp)]
        if known:
            walk.parent_keys = [k for t in known if _is_model(t.tp) for k in _model_keys(t.tp)]
            walk.types = [s for s in (_step(t, item) for t in known) if s is not None]
            # A middle step that neither the model nor the data knows is a label pydantic
            # added (a union nested where this walk cannot follow): not the user's.
            if walk.types or last or isinstance(item, int) or positions.has((*walk.path, item)):
                walk.path = (*walk.path, item)
            index += 1
            continue
        # The model says nothing more here (a custom or Any type, or a union in a union):
        # keep the steps that exist in the data, and the final missing key.
        walk.types = []
        if (
            isinstance(item, int)
            or positions.has((*walk.path, item))
            or (last and error_type == "missing")
        ):
            walk.path = (*walk.path, item)
        index += 1
    # ``Optional`` adds no step; look through it for what is expected at the end.
    if (
        len(walk.types) == 1
        and _is_union(walk.types[0].tp)
        and (walk.types[0].discriminator is None)
    ):
        walk.types = [_unwrap(m) for m in _members(walk.types[0].tp)] or walk.types
    return walk


_SHAPE_SUFFIXES = ("_type", "_parsing")
_SHAPE_TYPES = frozenset(
    {
        "literal_error",
        "enum",
        "is_instance_of",
        "none_required",
        "union_tag_not_found",
        "model_attributes_type",
    }
)


def _is_shape_error(error_type: str) -> bool:
    """True when the value had the wrong *kind* (a list for a number), not a bad value."""
    return error_type.endswith(_SHAPE_SUFFIXES) or error_type in _SHAPE_TYPES


def _bound_prefix(types_: list[_Type]) -> str:
    """'an integer ' when only an integer is expected there: "must be an integer >= 0"."""
    return "an integer " if {t.tp for t in types_} == {int} else ""


_COMPARISONS = {
    "greater_than_equal": (">=", "ge"),
    "greater_than": (">", "gt"),
    "less_than_equal": ("<=", "le"),
    "less_than": ("<", "lt"),
}


def _bound_message(kind: str, ctx: dict[str, Any], got: str, walk: _Walk) -> str:
    """'must be an integer >= 0, got -3 (allowed: 0 to 65,535)': the range when it has
    two ends, since the bound crossed is then only half of it."""
    sign, name = _COMPARISONS[kind]
    message = f"must be {_bound_prefix(walk.types)}{sign} {_number(ctx.get(name))}, got {got}"
    bounds = _bounds_of(walk)
    two_sided = bounds.keys() & {"ge", "gt"} and bounds.keys() & {"le", "lt"}
    return f"{message} (allowed: {range_words(bounds)})" if two_sided else message


def _number_key_hint(value: Any, loc: tuple[str | int, ...], walk: _Walk) -> str:
    """A number given to a text key that has a near neighbour (``gpu: 4`` beside
    ``gpus``): the neighbour was probably meant."""
    if not isinstance(value, int | float) or not loc or not isinstance(loc[-1], str):
        return ""
    key = loc[-1]
    others = [k for k in walk.parent_keys if k != key]
    close = difflib.get_close_matches(key, others, n=1, cutoff=0.75)
    return f"; did you mean {close[0]!r}? ({key!r} is text)" if close else ""


def _message(error: ErrorDetails, walk: _Walk) -> str:
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    value = error.get("input")
    got = _describe(value)
    loc = error["loc"]
    if kind == "missing":
        return f"missing required key {loc[-1]!r}" if loc else "missing required value"
    if kind == "extra_forbidden":
        return f"unknown key {str(loc[-1])!r}" if loc else "unknown key"
    if kind in _COMPARISONS:
        return _bound_message(kind, ctx, got, walk)
    if kind == "multiple_of":
        return f"must be a multiple of {_number(ctx.get('multiple_of'))}, got {got}"
    if kind == "finite_number":
        return f"must be a finite number, got {got}"
    if kind in ("int_type", "int_parsing"):
        return f"expected an integer, got {got}"
    if kind == "int_from_float":
        return f"expected a whole number, got {got}"
    if kind in ("float_type", "float_parsing"):
        return f"expected a number, got {got}"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, got {got}"
    if kind == "string_type":
        if isinstance(value, bool):
            hint = " (YAML reads yes/no/on/off/true/false as booleans: put text in quotes)"
        else:
            hint = _number_key_hint(value, loc, walk)
        return f"expected a string, got {got}{hint}"
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        if least == 1:
            return "must not be empty"
        return f"must be at least {least} characters long, got {got}"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters long, got {got}"
    if kind == "string_pattern_mismatch":
        return f"must match the pattern {ctx.get('pattern')!r}, got {got}"
    if kind in ("too_short", "too_long"):
        things = "entries" if ctx.get("field_type") == "Dictionary" else "items"
        side = "at least" if kind == "too_short" else "at most"
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        if limit == 1:
            things = things.removesuffix("s") if things == "items" else "entry"
        actual = ctx.get("actual_length")
        if actual is None and isinstance(value, dict | list | tuple):
            actual = len(value)
        return f"must have {side} {limit} {things}, got {actual}"
    if kind in ("literal_error", "enum"):
        choices = [v for t in walk.types for v in _literal_values(t.tp)]
        if not choices:
            expected = str(ctx.get("expected", ""))
            choices = [c.strip().strip("'\"") for c in re.split(r",| or ", expected) if c.strip()]
        listed = ", ".join(repr(c) for c in choices)
        head = f"expected {listed}" if len(choices) == 1 else f"expected one of {listed}"
        close = difflib.get_close_matches(value, choices, n=1) if isinstance(value, str) else []
        return f"{head}, got {got}" + (f"; did you mean {close[0]!r}?" if close else "")
    if kind in ("dict_type", "model_type", "model_attributes_type", "dataclass_type"):
        return f"expected a mapping of keys, got {got}"
    if kind in ("list_type", "tuple_type", "set_type", "frozen_set_type", "iterable_type"):
        return f"expected a list, got {got}"
    if kind.startswith("date_") and not kind.startswith("datetime"):
        return f"expected a date (YYYY-MM-DD), got {got}"
    if kind.startswith("datetime_"):
        return f"expected a date and time (YYYY-MM-DDTHH:MM:SS), got {got}"
    if kind.startswith("time_"):
        return f"expected a time of day (HH:MM), got {got}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _tag_problem_message(kind, ctx, value, walk)
    text = str(error.get("msg", ""))
    for prefix in ("Value error, ", "Assertion failed, "):
        if text.startswith(prefix):
            return text[len(prefix) :]
    if not text:
        return f"invalid value, got {got}"
    return f"{text[0].lower()}{text[1:]}, got {got}"


def _bounds_of(walk: _Walk) -> dict[str, Any]:
    """The bounds on the value at the walk's end (those of a nullable member included)."""
    found: dict[str, Any] = {}
    for t in walk.types:
        found.update(t.bounds)
    return found


def _union_tags(walk: _Walk) -> tuple[str | None, list[str]]:
    """The discriminator key and the tags of the union expected at the walk's end."""
    for t in walk.types:
        if _is_union(t.tp) and t.discriminator is not None:
            tags = [tag for m in _members(t.tp) for tag in _member_tags(m, t.discriminator)]
            return _discriminator_key(t.discriminator), tags
    return None, []


def _tag_problem_message(kind: str, ctx: dict[str, Any], value: Any, walk: _Walk) -> str:
    key, tags = _union_tags(walk)
    if not tags and ctx.get("expected_tags"):
        tags = [t.strip().strip("'\"") for t in str(ctx["expected_tags"]).split(",")]
    listed = ", ".join(tags)
    if key is None:
        # A discriminator function chose no form; say what the forms are.
        return f"expected one of the forms {listed}, got {_describe(value)}"
    if kind == "union_tag_not_found":
        return f"missing required key {key!r} (one of {listed})"
    tag = str(ctx.get("tag", ""))
    close = difflib.get_close_matches(tag, tags, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"expected {key} to be one of {listed}, got {tag!r}{hint}"


@dataclass(slots=True)
class _Located:
    problem: Problem
    walk: _Walk
    error_type: str
    path: YamlPath


def located_problems(
    error: ValidationError,
    positions: Positions,
    source: str,
    model: type[BaseModel],
) -> list[Problem]:
    """One located ``Problem`` per validation error, in file order.

    The path is the user's (pydantic's union tags removed). When a value fails every form
    a plain union allows, the forms it did not even resemble are left out, and if it
    resembled none, one problem lists all of them ("expected a number or a list, got 'x'").
    A "too few items" complaint about a list whose items themselves failed is left out:
    it counts only the items that passed.
    """
    details = error.errors()
    walks = [_walk(tuple(d["loc"]), model, positions, d["type"]) for d in details]
    missing: dict[YamlPath, list[str]] = {}
    for d, walk in zip(details, walks, strict=True):
        if d["type"] == "missing" and walk.path:
            missing.setdefault(walk.path[:-1], []).append(str(walk.path[-1]))
    failed_inside = [
        w.path for d, w in zip(details, walks, strict=True) if d["type"] != "too_short"
    ]
    located: list[_Located] = []
    for d, walk in zip(details, walks, strict=True):
        kind = d["type"]
        path = walk.path
        if kind == "too_short" and any(
            len(other) > len(path) and other[: len(path)] == path for other in failed_inside
        ):
            continue
        if kind not in ("missing", "extra_forbidden"):
            # A step the data lacks (a bare number a validator turned into a mapping):
            # report at the value the person wrote.
            while path and positions.described() and not positions.has(path):
                path = path[:-1]
        if kind == "extra_forbidden" and path:
            message = _unknown_key(path, walk.parent_keys, missing.get(path[:-1], []), positions)
        else:
            message = _message(d, walk)
        value = d.get("input")
        if kind == "missing":
            path = path[:-1]
            problem = positions.problem(path, message, source, key=True)
        elif (
            kind == "union_tag_invalid"
            and (key := _union_tags(walk)[0]) is not None
            and positions.has((*path, key))
        ):
            # Point at the bad tag itself, but name the value it selects the form of.
            at = positions.problem((*path, key), message, source)
            problem = Problem(message, _dotted(path), at.file, at.line, at.column)
        else:
            # A bad mapping or list is best pointed at by the key that names it.
            on_key = (
                walk.key_error
                or kind in ("extra_forbidden", "union_tag_not_found")
                or isinstance(value, dict | list)
            )
            if walk.key_error:
                message = f"invalid key: {message}"
            problem = positions.problem(path, message, source, key=on_key)
        located.append(_Located(problem, walk, kind, path))
    problems = _settle_unions(located)
    # File order reads best; sorted() is stable, so ties keep the model's order.
    return sorted(problems, key=lambda p: (p.line is None, p.line or 0, p.column or 0))


def _unknown_key(
    path: YamlPath, allowed: list[str], missing: list[str], positions: Positions
) -> str:
    """'unknown key 'gpuz'; did you mean 'gpus'?' — a key that is required and absent is
    the likeliest meaning, and a key already written beside it is not meant."""
    name = str(path[-1])
    parent = path[:-1]
    for choices in (missing, [k for k in allowed if not positions.has((*parent, k))]):
        close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
        if close:
            return f"unknown key {name!r}; did you mean {close[0]!r}?"
    return f"unknown key {name!r}{_suggest(name, allowed)}"


def _dotted(path: YamlPath) -> str:
    return ".".join(str(p) for p in path)


def _settle_unions(located: list[_Located]) -> list[Problem]:
    """Keep, for each value that failed a plain union, the forms worth reading about.

    A form whose only complaint is that the value is of another kind (a list where it
    takes a number) says nothing useful when some other form accepted the kind and found
    a bad value. When every form complains about the kind, one problem lists them all.
    """
    groups: dict[YamlPath, dict[str, list[_Located]]] = {}
    for entry in located:
        if entry.walk.unions:
            union_path, label = entry.walk.unions[0]
            groups.setdefault(union_path, {}).setdefault(label, []).append(entry)
    dropped: set[int] = set()
    merged: dict[int, Problem] = {}
    for union_path, branches in groups.items():
        wrong_kind = [
            label
            for label, entries in branches.items()
            if all(_is_shape_error(e.error_type) and e.path == union_path for e in entries)
        ]
        entries = [e for label in wrong_kind for e in branches[label]]
        if len(wrong_kind) < len(branches):
            dropped.update(id(e) for e in entries)
            continue
        combined = _combine_expected([e.problem for e in entries])
        if combined is not None:
            merged[id(entries[0])] = combined
            dropped.update(id(e) for e in entries[1:])
    result: list[Problem] = []
    for entry in located:
        if id(entry) not in dropped:
            problem = merged.get(id(entry), entry.problem)
            if problem not in result:
                result.append(problem)
    return result


def _combine_expected(problems: list[Problem]) -> Problem | None:
    """'expected a number, got x' + 'expected a list, got x' → 'expected a number or a
    list, got x'; None when the messages are not all of that shape."""
    expected: list[str] = []
    found = ""
    hints: list[str] = []
    for problem in problems:
        head, sep, tail = problem.message.partition(", got ")
        if not sep or not head.startswith("expected "):
            return None
        expected.append(head[len("expected ") :])
        found, _, hint = tail.partition("; ")
        if hint:
            hints.append(hint)
    unique = list(dict.fromkeys(expected))
    joined = unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " or " + unique[-1]
    message = f"expected {joined}, got {found}" + "".join(f"; {h}" for h in dict.fromkeys(hints))
    first = problems[0]
    return Problem(message, first.path, first.file, first.line, first.column)
