"""What the social-space screens (Angebote, Diese Woche, Termin erfassen) read about an
offer: its project's offers, its place and schedule in words, its sessions with their
headcounts. The offers are those of ``GET /offers`` (``application/offers.py``), checked
with the same policy; nothing here decides or stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from uuid import UUID

from api.deps import Services
from api.family_responses import case_out
from api.routes.offers import next_session, seen_families
from api.web.i18n import Texts
from api.web.pages.base import Person
from api.web.pages.family_view import member_name
from application import offers, policy
from domain.offer_values import Recurrence, SessionRecord
from domain.offers import Offer


def load_offer(svc: Services, person: Person, offer_id: UUID,
               action: policy.Action = policy.Action.READ_OFFERS) -> Offer:
    """The offer, if the person may do ``action`` on it (another project's: 404)."""
    offer = offers.load(svc.cases, offer_id)
    policy.check_offer(person.actor, action, offer.project)
    return offer


def project_offers(svc: Services, project: str) -> list[Offer]:
    """The offers of ``project``, by title."""
    found = [offers.load(svc.cases, i) for i in offers.offer_ids(svc.cases, {project})]
    return sorted(found, key=lambda o: (o.title.casefold(), str(o.id)))


def time_text(start: time | None, minutes: int | None) -> str:
    """``10:00–12:00`` (start and end of a session)."""
    if start is None or minutes is None:
        return ""
    begin = start.hour * 60 + start.minute
    end = (begin + minutes) % (24 * 60)
    return f"{start:%H:%M}–{end // 60:02d}:{end % 60:02d}"


def schedule_text(offer: Offer, texts: Texts, day: str) -> str:
    """The schedule in words: ``Mo, Mi · 10:00–12:00`` or ``einmalig 05.12.2026 · …``."""
    s = offer.schedule
    hours = time_text(s.start_time, s.duration_minutes)
    if s.recurrence is Recurrence.ONE_OFF:
        return texts("offers.once", day=day, hours=hours)
    days = ", ".join(texts.code("weekday_short", w) for w in s.weekdays)
    return texts("offers.weekly", days=days, hours=hours)


def place_text(offer: Offer, svc: Services, record: SessionRecord | None = None) -> str:
    """Where the offer (or one of its sessions) takes place, by name and district."""
    place_id = offer.place_id if record is None or record.place_id is None else record.place_id
    place = svc.directory.project(offer.project).places[place_id]
    return f"{place.name} ({place.district})" if place.district else place.name


def partner_names(offer: Offer, svc: Services,
                  record: SessionRecord | None = None) -> list[str]:
    """The partners running the offer with the team (or present at a session), by name."""
    partners = svc.directory.project(offer.project).partners
    ids = offer.partner_ids if record is None else record.partner_ids
    return [partners[i].name for i in ids]


@dataclass(frozen=True)
class OfferRow:
    """One line of the Angebote list."""

    offer: Offer
    next_on: date | None
    held: int
    cancelled: int

    @property
    def running(self) -> bool:
        return self.offer.ended_on is None


def rows(found: list[Offer], today: date) -> list[OfferRow]:
    return [OfferRow(o, next_session(o, today), sum(1 for s in o.sessions.values() if s.held),
                     sum(1 for s in o.sessions.values() if not s.held)) for o in found]


@dataclass(frozen=True)
class Named:
    """A session's named attendees as the reader sees them: names and case numbers of
    the families they may see, and how many others were named."""

    shown: list[tuple[str, str]]
    hidden: int


def named_attendees(svc: Services, person: Person, sessions: list[SessionRecord],
                    endpoint: str) -> dict[UUID, Named]:
    """Each session's named attendees (families the person may not see only counted;
    showing a family's names to anyone but its case manager is logged as a read)."""
    seen = seen_families(svc, person.actor, sessions, endpoint)
    names: dict[tuple[UUID, UUID], tuple[str, str]] = {}
    for family_id, view in seen.items():
        if view is not None:
            case = case_out(view)
            for m in case.members:
                names[family_id, m.member_id] = (member_name(m) or person.texts(
                    "family.erased_names"), case.case_number)
    found: dict[UUID, Named] = {}
    for s in sessions:
        shown = [names[a.family_id, a.member_id] for a in s.attendees
                 if (a.family_id, a.member_id) in names]
        found[s.session_id] = Named(sorted(shown), len(s.attendees) - len(shown))
    return found


def sessions_by_date(offer: Offer) -> list[SessionRecord]:
    """The offer's recorded sessions, newest first."""
    return sorted(offer.sessions.values(), key=lambda s: (s.on, s.start_time or time.min),
                  reverse=True)
