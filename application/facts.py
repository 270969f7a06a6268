"""Decoding stored events for read models: the same events, for less.

The mapper (``application/mapper.py``) decodes an event generically: it walks the whole
JSON tree of every event that holds a sealed value (to find the sealed items), and
validates each field with pydantic. A read model needs neither: the mapper knows which
paths of an event class may be sealed (``personal``) and most fields are of plain types
(text, numbers, dates, enums and tuples of them) whose JSON form converts directly.

``FactDecoder`` is a drop-in for ``PersonalDataMapper.to_domain_event`` on that path. Per
event class it prepares, once, a converter per field (pydantic's validator only for the
fields of other types: records, ids, timestamps; its id parsing is several times
faster than ``uuid.UUID``'s) and a tree of the class's personal paths;
per event it visits only those paths, in document order, so the sealed items left
sealed (``erased_fields``) are listed exactly as the mapper lists them, and opens only
the items a view names (looking the family's key up only then). The events it returns
are equal to the mapper's; whenever a stored event is not of the shape prepared for
(another class version to upcast, a snapshot, a sealed value outside the personal
paths, a value of an unexpected type), it hands the event to the mapper instead.
Nothing personal is opened that the mapper would not open.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Collection, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidTag
from eventsourcing.domain import CanSnapshotAggregate
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent
from eventsourcing.utils import resolve_topic

from application.keys import unseal
from application.mapper import ERASED_FIELDS, SEALED, PersonalDataMapper, field_adapters

Convert = Callable[[Any], Any]
_SEALED_KEY = b'"' + SEALED.encode() + b'"'
_LEAF: dict[str, Any] = {}  # marks the end of a personal path in a path tree


class _Fallback(Exception):
    """Not of the shape prepared for: the mapper decodes this event."""


def _converter(hint: Any, validate: Convert) -> Convert:
    """A converter from the JSON form of ``hint`` to its value, equal to pydantic's for the
    values pydantic writes; anything else goes to pydantic (``validate``)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(options) == 1 and len(typing.get_args(hint)) == 2:
            inner = _converter(options[0], validate)
            return lambda v: None if v is None else inner(v)
        return validate
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _converter(args[0], _raise)
            if item is _raise:
                return validate

            def items(v: Any) -> Any:
                if type(v) is not list:
                    return validate(v)
                try:
                    return tuple([item(i) for i in v])
                except _Fallback:
                    return validate(v)
            return items
        return validate
    if hint in (str, int, bool):
        def same(v: Any, kind: type = hint) -> Any:
            return v if type(v) is kind else validate(v)
        return same
    if hint is date:
        def day(v: Any) -> Any:
            if type(v) is str and len(v) == 10:
                return date.fromisoformat(v)
            return validate(v)
        return day
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        members = dict(hint._value2member_map_)

        def member(v: Any) -> Any:
            found = members.get(v) if type(v) is str or type(v) is int else None
            return found if found is not None else validate(v)
        return member
    return validate


def _raise(v: Any) -> Any:
    raise _Fallback


@dataclasses.dataclass(frozen=True)
class _Plan:
    cls: type
    class_version: int
    convert: dict[str, Convert]
    personal: dict[str, Any]
    """The personal paths as a tree: field name (or ``*`` for a sequence's items) to the
    subtree, ``_LEAF`` where a sealed value may be."""
    leaves: frozenset[str]


def _plan(topic: str) -> _Plan | None:
    cls = resolve_topic(topic)
    if not isinstance(cls, type) or issubclass(cls, CanSnapshotAggregate):
        return None
    adapters = field_adapters(cls)
    hints = typing.get_type_hints(cls)
    convert = {}
    for name, adapter in adapters.items():
        validator = adapter.validator.validate_python
        convert[name] = _converter(hints[name], validator)
    tree: dict[str, Any] = {}
    leaves = set()
    for path in getattr(cls, "personal", ()):
        parts = path.split(".")
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if node is _LEAF:
                return None
        if parts[-1] in node:
            return None
        node[parts[-1]] = _LEAF
        leaves.add(parts[-1])
    return _Plan(cls, getattr(cls, "class_version", 1), convert, tree, frozenset(leaves))


class FactDecoder:
    """``decode(notification, unseal=..., only=...)``: the domain event, as
    ``PersonalDataMapper.to_domain_event`` returns it, decoded faster."""

    def __init__(self, mapper: PersonalDataMapper) -> None:
        self.mapper = mapper
        self.keys = mapper.keys
        self._plans: dict[str, _Plan | None] = {}
        self._keyless: set[UUID] = set()
        """Families found without a key while decoding a page (not asked again)."""

    def __call__(self, stored_event: StoredEvent, *, unseal: bool = True,
                 only: frozenset[str] | None = None) -> Any:
        topic = stored_event.topic
        try:
            plan = self._plans[topic]
        except KeyError:
            try:
                plan = _plan(topic)
            except Exception:  # (the mapper says what is wrong with the topic)
                plan = None
            self._plans[topic] = plan
        if plan is not None:
            try:
                return self._decode(plan, stored_event, unseal, only)
            except (_Fallback, ValueError, TypeError, KeyError, AttributeError):
                pass  # (the mapper decodes it, or says what is wrong with it)
        return self.mapper.to_domain_event(stored_event, unseal=unseal, only=only)

    def page(self, notifications: Sequence[Any], personal: Collection[str],
             only: frozenset[str] | None) -> list[tuple[int, Any]]:
        """A page of notifications as (position, event), the personal data of events of
        the ``personal`` topics unsealed (only the items named in ``only``); the keys of
        their families are read in one query first, not one by one."""
        if personal:
            families = {n.originator_id for n in notifications if n.topic in personal}
            if families:
                self._keyless = self.keys.read_many(families)
        try:
            return [(n.id, self(n, unseal=n.topic in personal, only=only))
                    for n in notifications]
        finally:
            self._keyless = set()

    def _decode(self, plan: _Plan, stored_event: StoredEvent, unseal_: bool,
                only: frozenset[str] | None) -> Any:
        family_id = stored_event.originator_id
        if type(family_id) is not UUID:
            raise _Fallback
        raw = stored_event.state
        data: dict[str, Any] = orjson.loads(raw)
        if data.pop("class_version", 1) != plan.class_version:
            raise _Fallback  # (an upcast: the mapper's)
        erased: list[str] = []
        sealed = raw.count(_SEALED_KEY)
        if sealed:
            if not plan.personal:
                raise _Fallback
            key: bytes | None = None
            if unseal_ and (only is None or not only.isdisjoint(plan.leaves)) and (
                    family_id not in self._keyless):
                key = self.keys.key_for_reading(family_id)
            opener = _Opener(key, family_id.bytes, only, erased)
            opener.visit(data, plan.personal, "")
            if opener.found != sealed:
                raise _Fallback  # a sealed value elsewhere (or the marker in some text)
        convert = plan.convert
        state = {k: convert[k](v) for k, v in data.items()}
        state["originator_id"] = family_id
        state["originator_version"] = stored_event.originator_version
        if erased:
            state[ERASED_FIELDS] = tuple(erased)
        event: Any = object.__new__(plan.cls)
        object.__setattr__(event, "__dict__", state)
        return event


class _Opener:
    """Visits the personal paths of one event's data in document order: a sealed item
    is opened if the key is at hand and its name is wanted, else it reads as ``None`` and
    its path is listed as erased (as the mapper does)."""

    __slots__ = ("aad", "erased", "found", "key", "only")

    def __init__(self, key: bytes | None, aad: bytes, only: frozenset[str] | None,
                 erased: list[str]) -> None:
        self.key, self.aad, self.only, self.erased = key, aad, only, erased
        self.found = 0

    def visit(self, node: Any, tree: dict[str, Any], path: str) -> None:
        if type(node) is dict:
            for k, v in node.items():
                sub = tree.get(k)
                if sub is None:
                    continue
                if sub is _LEAF:
                    if type(v) is dict and len(v) == 1 and SEALED in v:
                        node[k] = self.open(v, f"{path}.{k}" if path else k, k)
                    elif isinstance(v, dict | list):
                        raise _Fallback  # (the mapper's walk would look inside)
                else:
                    self.visit(v, sub, f"{path}.{k}" if path else k)
        elif type(node) is list:
            sub = tree.get("*")
            if sub is None:
                return
            for i, v in enumerate(node):
                if sub is _LEAF:
                    if type(v) is dict and len(v) == 1 and SEALED in v:
                        node[i] = self.open(v, f"{path}.{i}", str(i))
                    elif isinstance(v, dict | list):
                        raise _Fallback
                else:
                    self.visit(v, sub, f"{path}.{i}")

    def open(self, sealed: dict[str, Any], path: str, name: str) -> Any:
        self.found += 1
        if self.key is None or (self.only is not None and name not in self.only):
            self.erased.append(path)
            return None
        try:
            return orjson.loads(unseal(self.key, base64.b64decode(sealed[SEALED]), self.aad))
        except InvalidTag:
            raise MapperDeserialisationError(
                f"sealed value at {path!r} fails its integrity check") from None
