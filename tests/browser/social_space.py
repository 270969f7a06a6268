"""What the browser tests of the social-space screens prepare through the API: a place,
a partner and an offer of project KR due every day since a week ago (so today has a
session to record, whatever the day)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.rules import today_in_programme
from tests.browser.conftest import Site


def prepare(site: Site, title: str = "Frauencafé Westwall") -> dict[str, Any]:
    """The ids of a new place, partner and offer (coordinator Petra records them)."""
    with site.api("petra") as api:
        place = api.post("/projects/KR/places", json={
            "name": "Familienzentrum Westwall", "kind": "family_centre",
            "district": "Krefeld-Mitte"})
        assert place.status_code == 201, place.text
        partner = api.post("/projects/KR/partners", json={
            "name": "Jobcenter Krefeld", "institution_type": "jobcenter",
            "contact_role": "Teamleitung Eingliederung"})
        assert partner.status_code == 201, partner.text
        offer = api.post("/offers", json={
            "project": "KR", "offer_type": "cafe", "title": title,
            "place_id": place.json()["place_id"],
            "partner_ids": [partner.json()["partner_id"]], "target_group": "Frauen im Quartier",
            "schedule": {"recurrence": "weekly", "weekdays": [
                "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                "sunday"], "start_time": "10:00", "duration_minutes": 120},
            "starts_on": (today_in_programme() - timedelta(days=7)).isoformat()})
        assert offer.status_code == 201, offer.text
    return {"place": place.json()["place_id"], "partner": partner.json()["partner_id"],
            "offer": offer.json()["offer_id"]}
