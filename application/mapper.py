"""Maps domain events to stored events: typed JSON, with personal data sealed per family.

Each event field is dumped by pydantic from its type hint, so dates, enums, tuples and
records round-trip exactly. The paths an event class names in ``personal`` are sealed
with the family's key (AES-GCM, bound to the family id); a snapshot's whole state is
sealed. When the key is destroyed, sealed values read back as ``None`` and the event
lists them in ``erased_fields``. A personal value an older class version stored in clear
(marked by its upcaster, ``domain.events.clear``) is read the same way. A snapshot
records the aggregate's ``snapshot_version``; an older one is upcast by the aggregate's
``upcast_state_vN_vN+1``.
"""

from __future__ import annotations

import base64
import dataclasses
import typing
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidTag
from eventsourcing.domain import CanSnapshotAggregate
from eventsourcing.persistence import (
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
)
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import TypeAdapter

from application.keys import FamilyKeys, seal, unseal
from domain.events import CLEAR

SEALED = "$sealed"
ERASED_FIELDS = "erased_fields"
Json = Any


_FIELD_ADAPTERS: dict[type, dict[str, TypeAdapter[Any]]] = {}


def field_adapters(cls: type) -> dict[str, TypeAdapter[Any]]:
    """A pydantic adapter per dataclass field of an event class, built once."""
    adapters = _FIELD_ADAPTERS.get(cls)
    if adapters is None:
        hints = typing.get_type_hints(cls)
        adapters = {f.name: TypeAdapter(hints[f.name]) for f in dataclasses.fields(cls)}
        _FIELD_ADAPTERS[cls] = adapters
    return adapters


_SNAPSHOT_ADAPTERS: dict[type, dict[str, TypeAdapter[Any]]] = {}


def _snapshot_adapters(aggregate_cls: type) -> dict[str, TypeAdapter[Any]]:
    """Adapters for the attributes an aggregate declares in ``snapshot_types``."""
    adapters = _SNAPSHOT_ADAPTERS.get(aggregate_cls)
    if adapters is None:
        types: dict[str, Any] = aggregate_cls.snapshot_types  # type: ignore[attr-defined]
        adapters = {name: TypeAdapter(tp) for name, tp in types.items()}
        _SNAPSHOT_ADAPTERS[aggregate_cls] = adapters
    return adapters


class PersonalDataMapper(Mapper[UUID]):
    def __init__(self, keys: FamilyKeys) -> None:
        super().__init__(transcoder=_NoTranscoder())
        self.keys = keys

    # ----- writing ---------------------------------------------------------------

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        cls = type(domain_event)
        state = dict(vars(domain_event))
        family_id: UUID = state.pop("originator_id")
        version: int = state.pop("originator_version")
        state.pop(ERASED_FIELDS, None)
        aad = family_id.bytes
        if isinstance(domain_event, CanSnapshotAggregate):
            aggregate_cls = resolve_topic(state["topic"])
            if getattr(aggregate_cls, "personal_snapshot", False):
                # The whole state is sealed: dumped straight to JSON text (a family's
                # state grows with its history; this is the costly part of a snapshot).
                key = self.keys.key_for_writing(family_id, fresh=True)
                data = {"timestamp": state["timestamp"].isoformat(), "topic": state["topic"],
                        "state": {SEALED: base64.b64encode(seal(
                            key, _state_json(aggregate_cls, state["state"]), aad)).decode()}}
            else:
                data = self._dump_snapshot(state)
            state_version = getattr(aggregate_cls, "snapshot_version", 1)
            if state_version > 1:
                data["state_version"] = state_version
        else:
            adapters = field_adapters(cls)
            data = {k: adapters[k].dump_python(v, mode="json") for k, v in state.items()}
            paths: tuple[str, ...] = getattr(cls, "personal", ())
            if paths:
                key = self.keys.key_for_writing(family_id)
                for path in paths:
                    _seal_path(data, path.split("."), key, aad)
        class_version = getattr(cls, "class_version", 1)
        if class_version > 1:
            data["class_version"] = class_version
        return StoredEvent(originator_id=family_id, originator_version=version,
                           topic=get_topic(cls), state=orjson.dumps(data))

    def _dump_snapshot(self, state: dict[str, Any]) -> dict[str, Json]:
        adapters = _snapshot_adapters(resolve_topic(state["topic"]))
        inner = {k: adapters[k].dump_python(v, mode="json") for k, v in state["state"].items()
                 if k in adapters}
        return {"timestamp": state["timestamp"].isoformat(), "topic": state["topic"],
                "state": inner}

    # ----- reading ---------------------------------------------------------------

    def to_domain_event(self, stored_event: StoredEvent, *, unseal: bool = True,
                        only: frozenset[str] | None = None) -> Any:
        """The domain event; with ``unseal=False`` its personal data is left sealed and
        reads as None (for readers that never use it: no key lookups, no decryption);
        with ``only``, just the sealed items of those names are opened (a read model that
        needs birth dates does not decrypt names and addresses)."""
        cls = resolve_topic(stored_event.topic)
        family_id = stored_event.originator_id
        assert isinstance(family_id, UUID)
        try:
            data: dict[str, Json] = orjson.loads(stored_event.state)
            erased: list[str] = []
            if SEALED.encode() in stored_event.state:
                key = self.keys.key_for_reading(family_id) if unseal else None
                data = _unseal_tree(data, key, family_id.bytes, "", erased, only)
            from_version = data.pop("class_version", 1)
            upcast = from_version < getattr(cls, "class_version", 1)
            while from_version < getattr(cls, "class_version", 1):
                getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(data)
                from_version += 1
            if upcast and CLEAR.encode() in orjson.dumps(data):
                opened = (self.keys.key_for_reading(family_id) is not None) if unseal else False
                data = _reveal_clear(data, opened, "", erased, only)
            if issubclass(cls, CanSnapshotAggregate):
                state = self._load_snapshot(data)
            else:
                adapters = field_adapters(cls)
                state = {k: adapters[k].validate_python(v) for k, v in data.items()}
        except Exception as e:
            raise MapperDeserialisationError(
                f"cannot read stored event {stored_event.topic} of {family_id} at version "
                f"{stored_event.originator_version}: {e}") from e
        state["originator_id"] = family_id
        state["originator_version"] = stored_event.originator_version
        if erased:
            state[ERASED_FIELDS] = tuple(erased)
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event

    def _load_snapshot(self, data: dict[str, Json]) -> dict[str, Any]:
        if data["state"] is None:
            raise ValueError("the snapshot's family key was destroyed")
        aggregate_cls = resolve_topic(data["topic"])
        adapters = _snapshot_adapters(aggregate_cls)
        outer = data["state"]
        version = data.get("state_version", 1)
        while version < getattr(aggregate_cls, "snapshot_version", 1):
            getattr(aggregate_cls, f"upcast_state_v{version}_v{version + 1}")(outer)
            version += 1
        inner = {k: adapters[k].validate_python(v) for k, v in outer.items()}
        return {"timestamp": datetime.fromisoformat(data["timestamp"]), "topic": data["topic"],
                "state": inner}


class _NoTranscoder(Transcoder):
    """The mapper encodes JSON itself; the base class only wants a transcoder object."""

    def encode(self, obj: Any) -> bytes:
        raise NotImplementedError

    def decode(self, data: bytes) -> Any:
        raise NotImplementedError


def _state_json(aggregate_cls: type, state: dict[str, Any]) -> bytes:
    adapters = _snapshot_adapters(aggregate_cls)
    return b"{" + b",".join(orjson.dumps(k) + b":" + adapters[k].dump_json(v)
                            for k, v in state.items() if k in adapters) + b"}"


def _sealed(key: bytes, value: Json, aad: bytes) -> Json:
    token = seal(key, orjson.dumps(value), aad)
    return {SEALED: base64.b64encode(token).decode()}


def _seal_path(node: Json, parts: list[str], key: bytes, aad: bytes) -> None:
    head, rest = parts[0], parts[1:]
    if head == "*":
        items = node if isinstance(node, list) else []
        for i, item in enumerate(items):
            if rest:
                _seal_path(item, rest, key, aad)
            elif item is not None:
                items[i] = _sealed(key, item, aad)
        return
    if not isinstance(node, dict) or head not in node:
        return
    if rest:
        _seal_path(node[head], rest, key, aad)
    elif node[head] is not None:
        node[head] = _sealed(key, node[head], aad)


def _reveal_clear(node: Json, opened: bool, path: str, erased: list[str],
                  only: frozenset[str] | None) -> Json:
    """Personal values an upcaster marked as stored in clear, read like sealed ones: the
    value where a sealed one would be opened (``opened``: the key is at hand and personal
    data wanted), else ``None`` and the path listed as erased."""
    if isinstance(node, dict):
        if len(node) == 1 and CLEAR in node:
            if not opened or (only is not None and path.rsplit(".", 1)[-1] not in only):
                erased.append(path)
                return None
            return node[CLEAR]
        return {k: _reveal_clear(v, opened, f"{path}.{k}" if path else k, erased, only)
                for k, v in node.items()}
    if isinstance(node, list):
        return [_reveal_clear(v, opened, f"{path}.{i}", erased, only)
                for i, v in enumerate(node)]
    return node


def _unseal_tree(node: Json, key: bytes | None, aad: bytes, path: str,
                 erased: list[str], only: frozenset[str] | None = None) -> Json:
    if isinstance(node, dict):
        if len(node) == 1 and SEALED in node:
            if key is None or (only is not None and path.rsplit(".", 1)[-1] not in only):
                erased.append(path)
                return None
            try:
                return orjson.loads(unseal(key, base64.b64decode(node[SEALED]), aad))
            except InvalidTag:
                # With the key present this is tampering or corruption, never erasure.
                raise ValueError(f"sealed value at {path!r} fails its integrity check") from None
        return {k: _unseal_tree(v, key, aad, f"{path}.{k}" if path else k, erased, only)
                for k, v in node.items()}
    if isinstance(node, list):
        return [_unseal_tree(v, key, aad, f"{path}.{i}", erased, only)
                for i, v in enumerate(node)]
    return node
