"""Stored events and snapshots of the versions before issue 13 (items 4 and 7) still load:
free-text consent purposes, an erasure's free-text reason, an institution's name in clear
(also as a correction), and a snapshot with the intake's purposes in the case's state.

Values an older version stored in clear in what is now a sealed field read like sealed
ones: shown while the family's key exists, ``None`` and listed as erased once it is gone
(their bytes stay in the store: an event is never rewritten)."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import orjson
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from application.cases import FamilyCases
from application.keys import seal, unseal
from application.mapper import SEALED, _sealed
from domain import events as ev
from domain.family_case import FamilyCase
from domain.values import CaseStatus, ConsentPurpose, ErasureBasis, InstitutionType
from tests.conftest import SettingsFactory
from tests.integration.test_store_snapshots_upcasting import running
from tests.support.builders import INTAKE, open_case

ERASE: dict[str, Any] = {"legal_basis": ErasureBasis.ART17_REQUEST,
                         "occurred_on": date(2026, 5, 1), "recorded_by": "cm-anna"}


def stored(cls: type, family_id: UUID, version: int, state: dict[str, Any]) -> StoredEvent:
    return StoredEvent(originator_id=family_id, originator_version=version,
                       topic=get_topic(cls), state=orjson.dumps(state))


def v1_intake(app: FamilyCases, purposes: list[str]) -> UUID:
    """A family whose intake was stored by version 1 of ``CaseOpened``: names sealed,
    free-text consent purposes in clear."""
    family_id = uuid4()
    key = app.keys.key_for_writing(family_id)
    aad = family_id.bytes
    member = {"member_id": str(uuid4()), "role": "parent",
              "given_name": _sealed(key, "Amira", aad), "family_name": _sealed(key, "Alt", aad),
              "birth_date": _sealed(key, "1991-05-17", aad), "gender": "female"}
    app.recorder.insert_events([
        stored(FamilyCase.CaseOpened, family_id, 1, {
            "timestamp": "2026-03-02T09:00:00+00:00", "originator_topic": get_topic(FamilyCase),
            "occurred_on": "2026-03-02", "recorded_by": "cm-anna", "project": "KR",
            "case_number": "KR-2026-0900", "members": [member], "district": "Krefeld-Mitte",
            "postal_code": "47798", "street_address": None, "access_route": "kita",
            "benefit_situation": "sgb_ii", "consent_purposes": purposes,
            "consent_given_on": "2026-02-27"}),
        stored(ev.CaseManagerAssigned, family_id, 2, {
            "timestamp": "2026-03-02T09:00:00+00:00", "occurred_on": "2026-03-02",
            "recorded_by": "cm-anna", "case_manager": "cm-anna",
            "previous_case_manager": None, "reason": _sealed(key, "intake", aad)})])
    return family_id


def test_free_text_purposes_of_a_version_1_intake_become_consents_where_they_match(
        app: FamilyCases) -> None:
    family_id = v1_intake(app, ["ESF+ reporting", "referrals to partner institutions",
                                "Weitergabe an Frau Meier (Jugendamt)"])

    state = app.get_case(family_id).state
    opened = next(iter(app.events.get(family_id)))

    assert [(c.purpose, c.given, c.on, c.version) for c in state.consents] == [
        (ConsentPurpose.ESF_REPORTING, True, date(2026, 2, 27), 1),
        (ConsentPurpose.REFERRAL_TO_PARTNERS, True, date(2026, 2, 27), 1)]
    assert state.consent_texts == ("Weitergabe an Frau Meier (Jugendamt)",)
    assert type(opened) is FamilyCase.CaseOpened
    assert opened.consent_purposes == (ConsentPurpose.ESF_REPORTING,
                                       ConsentPurpose.REFERRAL_TO_PARTNERS)
    assert getattr(opened, "erased_fields", ()) == ()


def test_a_text_of_a_version_1_intake_reads_as_erased_once_the_key_is_gone(
        app: FamilyCases) -> None:
    family_id = v1_intake(app, ["ESF+ reporting", "Weitergabe an Frau Meier"])
    app.erase_personal_data(family_id, note=None, **ERASE)

    state = app.get_case(family_id).state
    opened = app.history(family_id)[0]
    decoded = next(iter(app.events.get(family_id)))

    assert state.status is CaseStatus.ERASED
    assert state.consent_texts == ()
    assert [c.purpose for c in state.consents] == [ConsentPurpose.ESF_REPORTING]
    assert opened.facts["consent_purposes"] == ["esf_reporting"]
    assert opened.facts["consent_texts"] == [None]
    assert "consent_texts.0" in opened.erased_fields
    assert decoded.consent_texts == (None,)
    # the bytes stay: an event is never rewritten (README, Data protection and audit)
    assert b"Frau Meier" in bytes(app.recorder.select_events(family_id, limit=1)[0].state)


def test_the_texts_of_a_version_1_intake_are_not_shown_to_readers_without_personal_data(
        app: FamilyCases) -> None:
    family_id = v1_intake(app, ["ESF+ reporting", "Weitergabe an Frau Meier"])
    record = app.recorder.select_events(family_id, limit=1)[0]

    event = app.mapper.to_domain_event(record, unseal=False)

    assert event.consent_texts == (None,)
    assert "consent_texts.0" in event.erased_fields


def test_a_version_1_erasure_s_reason_reads_as_an_erased_note_without_legal_basis(
        app: FamilyCases) -> None:
    opened, _ = open_case(app)
    family_id = opened.family_id
    app.recorder.insert_events([stored(ev.PersonalDataErased, family_id, 3, {
        "timestamp": "2026-05-01T10:00:00+00:00", "occurred_on": "2026-05-01",
        "recorded_by": "cm-coord", "reason": "Löschantrag von Frau Okonkwo-Brandt"})])
    app.erase_personal_data(family_id, note=None, **ERASE)  # finishes it: the key goes

    erased = app.history(family_id)[-1]
    state = app.get_case(family_id).state

    assert erased.event == "PersonalDataErased"
    assert erased.facts == {"legal_basis": None, "note": None}
    assert erased.erased_fields == ("note",)
    assert state.status is CaseStatus.ERASED
    assert app.get_case(family_id).version == 3


def test_a_new_erasure_stores_its_legal_basis_as_a_code_and_its_note_sealed(
        app: FamilyCases) -> None:
    opened, _ = open_case(app)
    app.erase_personal_data(opened.family_id, note="Löschantrag von Frau Okonkwo-Brandt",
                            **ERASE)

    raw = bytes(app.recorder.select_events(opened.family_id)[-1].state)
    erased = app.history(opened.family_id)[-1]

    assert b"Okonkwo" not in raw
    assert "Löschantrag".encode() not in raw
    assert orjson.loads(raw)["legal_basis"] == "art17_request"
    assert erased.facts == {"legal_basis": "art17_request", "note": None}
    assert erased.erased_fields == ("note",)


def test_an_institution_s_name_stored_in_clear_by_version_1_is_shown_until_the_erasure(
        app: FamilyCases) -> None:
    opened, members = open_case(app)
    family_id, referral_id = opened.family_id, uuid4()
    app.recorder.insert_events([
        stored(ev.ReferralMade, family_id, 3, {
            "timestamp": "2026-03-10T10:00:00+00:00", "occurred_on": "2026-03-10",
            "recorded_by": "cm-anna", "referral_id": str(referral_id),
            "member_id": str(members[0].member_id), "institution_type": "health_service",
            "institution_name": "Praxis Dr. Weber", "purpose": None,
            "consent_confirmed": True}),
        stored(ev.EntryCorrected, family_id, 4, {
            "timestamp": "2026-03-11T10:00:00+00:00", "occurred_on": "2026-03-11",
            "recorded_by": "cm-anna", "corrected_version": 3,
            "changes": [{"field": "institution_type", "value": "counselling_service"},
                        {"field": "institution_name", "value": "Praxis Dr. Weber-Schmitz"}],
            "sensitive_changes": [], "reason": None})])

    referral = app.get_case(family_id).state.referrals[referral_id]
    correction = list(app.events.get(family_id))[-1]
    assert (referral.institution_type, referral.institution_name) == (
        InstitutionType.COUNSELLING_SERVICE, "Praxis Dr. Weber-Schmitz")
    assert referral.partner_id is None  # version 3 names a partner; older ones none
    assert [c.field for c in correction.changes] == ["institution_type"]
    assert [(c.field, c.value) for c in correction.sensitive_changes] == [
        ("institution_name", "Praxis Dr. Weber-Schmitz")]

    app.erase_personal_data(family_id, note=None, **ERASE)

    referral = app.get_case(family_id).state.referrals[referral_id]
    assert (referral.institution_type, referral.institution_name) == (
        InstitutionType.COUNSELLING_SERVICE, None)
    history = app.history(family_id)
    assert history[2].facts["institution_name"] is None
    assert history[3].facts["sensitive_changes"] == [{"field": "institution_name",
                                                      "value": None}]


def test_a_new_referral_seals_the_institution_s_name_and_its_corrections(
        app: FamilyCases) -> None:
    from application.commands import CorrectEntry, MakeReferral
    from domain.records import FieldChange

    opened, members = open_case(app)
    made = MakeReferral(family_id=opened.family_id, member_id=members[0].member_id,
                        institution_type=InstitutionType.HEALTH_SERVICE,
                        institution_name="Praxis Dr. Weber", purpose=None,
                        consent_confirmed=True, occurred_on=INTAKE)
    app.handle(made, recorded_by="cm-anna")
    app.handle(CorrectEntry(family_id=opened.family_id, corrected_version=3,
                            changes=[FieldChange("institution_name", "Praxis Dr. Weberling")],
                            reason="Tippfehler", occurred_on=INTAKE), recorded_by="cm-anna")

    raw = b"".join(bytes(r.state) for r in app.recorder.select_events(opened.family_id))
    assert b"Weber" not in raw
    state = app.get_case(opened.family_id).state
    assert state.referrals[made.referral_id].institution_name == "Praxis Dr. Weberling"


def test_a_snapshot_taken_before_consents_were_events_is_upcast(
        make_settings: SettingsFactory) -> None:
    """A version-1 state (``consent_purposes``, ``consent_given_on``) in a sealed
    snapshot loads with the purposes as consents; the texts show that the snapshot, not a
    replay, was read."""
    with running(make_settings(snapshot_interval=1000, aggregate_cache_size=0)) as app:
        opened, _ = open_case(app)
        family_id = opened.family_id
        assert app.snapshots is not None
        case = app.repository.get(family_id)
        record = app.mapper.to_stored_event(FamilyCase.Snapshot.take(case))
        data = orjson.loads(record.state)
        assert data.pop("state_version") == 2
        key = app.keys.key_for_reading(family_id)
        assert key is not None
        aad = family_id.bytes
        attributes = orjson.loads(unseal(key, base64.b64decode(data["state"][SEALED]), aad))
        inner = attributes["state"]
        del inner["consents"], inner["consent_texts"]
        inner.update(consent_purposes=["ESF+ reporting", "Fotos für die Zeitung"],
                     consent_given_on="2026-02-20")
        data["state"] = {SEALED: base64.b64encode(seal(key, orjson.dumps(attributes),
                                                       aad)).decode()}
        app.snapshots.recorder.insert_events([StoredEvent(
            originator_id=family_id, originator_version=record.originator_version,
            topic=record.topic, state=orjson.dumps(data))])

        state = app.get_case(family_id).state

        assert [(c.purpose, c.given, c.on, c.version) for c in state.consents] == [
            (ConsentPurpose.ESF_REPORTING, True, date(2026, 2, 20), 1)]
        assert state.consent_texts == ("Fotos für die Zeitung",)
