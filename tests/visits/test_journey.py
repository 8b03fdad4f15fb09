"""A visit from end to end, as the product runs it: invited, self-enrolled through the emailed
link, verified at the desk, checked in (the host emailed, a signed webhook received, an MQTT
message seen), badged, on site, checked out, and later erased, its visit kept for the counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from standardwebhooks import Webhook

from accounts.models import Person, StoredFace
from accounts.roles import Role
from tests.factories import post_verification
from tests.uploads import upload
from visits.models import Visit
from visits.retention import visitors_retention_apply

pytestmark = pytest.mark.django_db(transaction=True)

FACE = "Jackie_Chan"


def test_a_visit_from_invitation_to_erasure(
    api_as, client_as, host, faces, smtp_inbox, webhook_receiver, mqtt_subscription, settings
):
    endpoint = webhook_receiver.endpoint()
    desk = api_as(Role.FRONT_DESK)
    start = timezone.now() - timedelta(minutes=5)

    # Invited: the visitor gets a link by email.
    planned = desk.post(
        "/api/v1/visits/",
        {
            "new_visitor": {"name": "Jackie Chan", "email": "jackie@example.com"},
            "host": host.pk,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=3)).isoformat(),
            "purpose": "Stunt rehearsal",
            "invite": True,
        },
        format="json",
    )
    assert planned.status_code == 201, planned.json()
    visit_id = planned.json()["id"]
    [invitation] = [m for m in smtp_inbox if m["To"] == "jackie@example.com"]
    token = re.search(r"/invite/([^/\s]+)/", invitation.get_payload(decode=True).decode())[1]

    # Self-enrolled: consent given by the visitor, the photo checked and indexed.
    enrolled = APIClient().post(
        f"/api/v1/invitations/{token}/enrolment/",
        {"consent": "true", "image": upload(faces.of(FACE)[0].read_bytes())},
        format="multipart",
    )
    assert enrolled.status_code == 201, enrolled.json()
    assert enrolled.json()["state"] == "indexed"

    # Arrives, is verified and checked in.
    answer = post_verification(desk, faces.of(FACE)[1].read_bytes()).json()
    assert (answer["decision"], answer["visit"]["id"], answer["can_check_in"]) == (
        "visitor",
        visit_id,
        True,
    )
    checked_in = desk.post(f"/api/v1/verifications/{answer['id']}/check-in/")
    assert checked_in.status_code == 200, checked_in.json()
    badge_url = checked_in.json()["badge_url"]

    [to_host] = [m for m in smtp_inbox if m["To"] == host.email]
    assert "Jackie Chan checked in to see Hedy Lamarr" in to_host["Subject"]
    events = [received for received in webhook_receiver.received]
    types = [Webhook(endpoint.secret).verify(r.body, r.headers)["type"] for r in events]
    assert types == ["visit.invited", "person.enrolled", "visit.checked_in"]
    assert mqtt_subscription.wait_for("visit.checked_in")["data"]["visit"] == visit_id

    # Badged and on site.
    staff = client_as(Role.ADMIN)
    badge = staff.get(badge_url)
    assert badge.status_code == 200 and "Jackie Chan" in badge.content.decode()
    on_site = desk.get("/api/v1/on-site/").json()
    assert [visitor["visit"] for visitor in on_site["visitors"]] == [visit_id]

    # Checked out, and gone from the list.
    assert desk.post(f"/api/v1/visits/{visit_id}/check-out/").status_code == 200
    assert desk.get("/api/v1/on-site/").json()["visitors"] == []
    assert "visit.checked_out" in [r.json["type"] for r in webhook_receiver.received]

    # A year on, erased; the visit stays for the counts.
    settings.IMAGESIFT_VISITOR_RETENTION_DAYS = 365
    result = visitors_retention_apply(now=timezone.now() + timedelta(days=366))
    assert result.visitors_erased == 1
    assert not Person.objects.filter(name="Jackie Chan").exists()
    assert not StoredFace.objects.exists()
    visit = Visit.objects.get(pk=visit_id)
    assert (visit.visitor, visit.status) == (None, Visit.Status.CHECKED_OUT)
