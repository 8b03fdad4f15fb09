"""Invitations, end to end on the local engine: planning with `invite` emails the visitor their
link (through a real SMTP server) and announces `visit.invited`; the link then lets the visitor,
with no account, give their own consent and enrol one photo, checked at once. A link tampered
with, used, or whose visit is over or cancelled opens nothing, and a refused attempt writes
nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import Message

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient
from standardwebhooks import Webhook

from accounts.models import FacePhoto, StoredFace, Visitor
from accounts.roles import Role
from tests.factories import make_visitor
from tests.uploads import encode, media_files, upload
from vision.faces.base import FaceRejection
from visits import services
from visits.invitations import invitation_token
from visits.models import Visit

pytestmark = pytest.mark.django_db(transaction=True)  # the outbox and indexing run on commit

FACE = "Jackie_Chan"
VISITS = "/api/v1/visits/"
SELF_CONSENT = "the visitor, through their invitation"


def api_url(token: str, enrolment: bool = False) -> str:
    return f"/api/v1/invitations/{token}/" + ("enrolment/" if enrolment else "")


def enrol(token: str, content: bytes, consent: str | None = "true"):
    """POST a photo through the link as the visitor does: no login, multipart."""
    data = {"image": upload(content, "selfie.jpg")}
    if consent is not None:
        data["consent"] = consent
    return APIClient().post(api_url(token, enrolment=True), data, format="multipart")


def body_text(message: Message) -> str:
    return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


@pytest.fixture
def guest(host) -> Visitor:
    """Jackie Chan, expected in an hour to see Hedy, who has given no consent yet."""
    return make_visitor(
        "Jackie Chan",
        email="jackie@example.com",
        host=host,
        consent=False,
        starts_in=timedelta(hours=1),
    )


@pytest.fixture
def visit(guest) -> Visit:
    return guest.visits.get()


@pytest.fixture
def token(visit) -> str:
    return invitation_token(visit)


@pytest.fixture
def good_photo(faces) -> bytes:
    return faces.of(FACE)[0].read_bytes()


def nothing_written(visitor: Visitor, visit: Visit, media_before: set[str]) -> None:
    """The refused attempt left no photo, face, file or consent, and the link unused."""
    visitor.refresh_from_db()
    visit.refresh_from_db()
    assert not visitor.photos.exists()
    assert not StoredFace.objects.exists()
    assert media_files() == media_before
    assert (visitor.consent_recorded_at, visitor.consent_notice_version) == (None, "")
    assert visit.self_enrolled_at is None


# --- inviting --------------------------------------------------------------------------------
def test_planning_with_invite_emails_the_link_and_announces_it(
    api_as, host, smtp_inbox, webhook_receiver
):
    endpoint = webhook_receiver.endpoint(events=["visit.invited"])
    starts_at = timezone.now() + timedelta(days=1)

    response = api_as(Role.FRONT_DESK).post(
        VISITS,
        {
            "new_visitor": {"name": "Jackie Chan", "email": "jackie@example.com", "company": "JC"},
            "host": host.pk,
            "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + timedelta(hours=2)).isoformat(),
            "invite": True,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "invited" and body["invited_at"]
    [email] = smtp_inbox
    assert email["To"] == "jackie@example.com"
    assert email["Subject"].startswith("ImageSift: Your visit with Hedy Lamarr on ")
    text = body_text(email)
    assert text.startswith("Hello Jackie Chan,")
    link = re.search(rf"{re.escape(settings.IMAGESIFT_PUBLIC_URL)}(/invite/[^/\s]+/)", text)
    assert link, text
    assert Client().get(link[1]).status_code == 200  # the emailed link opens the page
    [received] = webhook_receiver.received
    event = Webhook(endpoint.secret).verify(received.body, received.headers)
    assert event["type"] == "visit.invited"
    assert event["data"]["visit"] == body["id"]
    assert event["data"]["summary"] == "Jackie Chan (JC) invited to see Hedy Lamarr"


def test_a_visitor_without_an_email_address_cannot_be_invited(api_as, host, smtp_inbox):
    client = api_as(Role.FRONT_DESK)
    starts_at = timezone.now() + timedelta(days=1)
    window = {
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=2)).isoformat(),
    }

    response = client.post(
        VISITS, {"new_visitor": {"name": "No Mail"}, "invite": True, **window}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"visitor": ["The visitor has no email address to invite."]}
    assert not Visitor.objects.exists() and not Visit.objects.exists()  # all or nothing
    visit = make_visitor("No Mail", host=host).visits.get()
    response = client.post(f"{VISITS}{visit.pk}/invitation/")
    assert response.status_code == 400
    visit.refresh_from_db()
    assert (visit.status, visit.invited_at) == ("expected", None)
    assert smtp_inbox == []


def test_the_link_tells_what_it_is_for(token):
    response = APIClient().get(api_url(token))

    assert response.status_code == 200
    body = response.json()
    assert (body["visitor_name"], body["host_name"]) == ("Jackie Chan", "Hedy Lamarr")
    assert body["notice_version"] == settings.IMAGESIFT_PRIVACY_NOTICE_VERSION


def test_a_visit_without_a_host_is_shown_without_one(db):
    visit = make_visitor("Solo", consent=False, starts_in=timedelta(hours=1)).visits.get()
    token = invitation_token(visit)

    assert APIClient().get(api_url(token)).json()["host_name"] is None
    page = Client().get(f"/invite/{token}/").content.decode()
    assert "Welcome, Solo" in page and "to see" not in page


# --- enrolling through the link --------------------------------------------------------------
def test_a_good_photo_enrols_the_visitor_with_their_own_consent(guest, visit, good_photo):
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.INVITED)
    token = invitation_token(visit)

    response = enrol(token, good_photo)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["message"] == "Thank you: your photo is enrolled. See you soon."
    photo = FacePhoto.objects.get(pk=body["photo"])
    assert (photo.person_id, photo.state) == (guest.pk, FacePhoto.State.INDEXED)
    assert StoredFace.objects.filter(face_id=photo.face_id, person_key=str(guest.pk)).exists()
    assert photo.image.read() == good_photo
    guest.refresh_from_db()
    assert guest.consent_recorded_by == SELF_CONSENT and guest.has_consent
    assert guest.consent_notice_version == settings.IMAGESIFT_PRIVACY_NOTICE_VERSION
    visit.refresh_from_db()
    assert visit.status == Visit.Status.EXPECTED and visit.self_enrolled_at is not None


def test_a_link_enrols_once(guest, visit, token, good_photo, faces):
    assert enrol(token, good_photo).status_code == 201
    visit.refresh_from_db()
    enrolled_at = visit.self_enrolled_at
    media_before = media_files()

    again = enrol(token, faces.of(FACE)[1].read_bytes())

    assert again.status_code == 409
    assert again.json()["code"] == "invitation_used"
    assert "already taken" in again.json()["detail"]
    assert guest.photos.count() == 1 and StoredFace.objects.count() == 1
    assert media_files() == media_before
    visit.refresh_from_db()
    assert visit.self_enrolled_at == enrolled_at
    assert APIClient().get(api_url(token)).status_code == 409


def test_a_visitor_who_enrolled_is_not_invited_again(api_as, visit, token, good_photo, smtp_inbox):
    assert enrol(token, good_photo).status_code == 201

    response = api_as(Role.FRONT_DESK).post(f"{VISITS}{visit.pk}/invitation/")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "status": ["The visitor already enrolled through this visit's invitation."]
    }
    visit.refresh_from_db()
    assert (visit.status, visit.invited_at) == (Visit.Status.EXPECTED, None)
    assert smtp_inbox == []


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"), id="altered"),
        pytest.param(lambda token: signing.dumps({"visit": 1}), id="signed-for-something-else"),
        pytest.param(lambda token: "not-a-token", id="made-up"),
    ],
)
def test_a_tampered_link_is_refused(guest, visit, token, good_photo, forge):
    media_before = media_files()
    forged = forge(token)

    response = enrol(forged, good_photo)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "This invitation link is not valid: check the link.",
        "code": "invitation_invalid",
    }
    assert APIClient().get(api_url(forged)).status_code == 400
    nothing_written(guest, visit, media_before)


def test_a_link_dies_with_its_visit(host, good_photo):
    visitor = make_visitor(
        "Old Timer",
        host=host,
        consent=False,
        starts_in=timedelta(hours=-5),
        lasts=timedelta(hours=1),
    )
    ended = visitor.visits.get()

    response = enrol(invitation_token(ended), good_photo)

    assert response.status_code == 410
    assert response.json()["code"] == "invitation_expired"
    assert "expired" in response.json()["detail"]
    assert not FacePhoto.objects.exists()


def test_a_cancelled_visits_link_is_refused(guest, visit, token, good_photo):
    services.visit_cancel(visit=visit)
    media_before = media_files()

    response = enrol(token, good_photo)

    assert response.status_code == 410
    assert response.json()["code"] == "invitation_expired"
    nothing_written(guest, visit, media_before)


@pytest.mark.parametrize("consent", ["false", None], ids=["unticked", "missing"])
def test_no_consent_no_enrolment(guest, visit, token, good_photo, consent):
    media_before = media_files()

    response = enrol(token, good_photo, consent=consent)

    assert response.status_code == 400
    assert response.json()["errors"] == {"consent": ["Tick the box to give your consent first."]}
    nothing_written(guest, visit, media_before)


def blank_png() -> bytes:
    return encode(Image.new("RGB", (640, 480), (200, 200, 200)), "PNG")


@pytest.mark.parametrize(
    ("picture", "code"),
    [
        pytest.param(lambda faces: faces.nonface()[0].read_bytes(), "no_face", id="no-face"),
        pytest.param(lambda faces: blank_png(), "no_face", id="blank"),
        pytest.param(lambda faces: faces.multi(1).read_bytes(), "several_faces", id="two-faces"),
    ],
)
def test_a_photo_that_will_not_do_is_explained_and_can_be_retaken(
    guest, visit, token, good_photo, faces, picture, code
):
    media_before = media_files()

    response = enrol(token, picture(faces))

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code
    assert body["how_to_fix"] == FaceRejection(code).how_to_fix
    assert body["detail"].startswith(FaceRejection(code).label)
    nothing_written(guest, visit, media_before)
    assert enrol(token, good_photo).status_code == 201  # the link still works


# --- the page the link opens -----------------------------------------------------------------
def test_the_page_shows_the_privacy_notice_and_asks_for_consent(visit, token, settings):
    settings.IMAGESIFT_VISITOR_FACE_RETENTION_DAYS = 30
    settings.IMAGESIFT_VISITOR_RETENTION_DAYS = 365

    response = Client().get(f"/invite/{token}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Welcome, Jackie Chan" in page and "to see Hedy Lamarr" in page
    assert 'data-testid="privacy-notice"' in page
    assert f"Privacy notice version {settings.IMAGESIFT_PRIVACY_NOTICE_VERSION}" in page
    assert "removed 30 days after your last visit ends" in page
    assert "erased 365 days after your last visit ends" in page
    assert "Giving your consent is optional" in page
    assert f'data-enrol-url="/api/v1/invitations/{token}/enrolment/"' in page
    assert re.search(r'<input type="checkbox" id="consent"[^>]*>', page)
    assert re.search(r'<fieldset [^>]*id="capture-controls"[^>]*disabled>', page)
    assert "<script>" not in page and "<style" not in page  # the CSP allows neither


def invalid_link(visit: Visit) -> str:
    return "not-a-token"


def cancelled_link(visit: Visit) -> str:
    services.visit_cancel(visit=visit)
    return invitation_token(visit)


def used_link(visit: Visit) -> str:
    Visit.objects.filter(pk=visit.pk).update(self_enrolled_at=timezone.now())
    return invitation_token(visit)


@pytest.mark.parametrize(
    ("spoil", "status", "message"),
    [
        (invalid_link, 400, "This invitation link is not valid: check the link."),
        (cancelled_link, 410, "This invitation has expired: the visit is over or was cancelled."),
        (
            used_link,
            409,
            "Your photo was already taken through this link; reception can take a new one.",
        ),
    ],
    ids=["invalid", "cancelled", "used"],
)
def test_a_link_that_opens_nothing_says_why(visit, spoil, status, message):
    response = Client().get(f"/invite/{spoil(visit)}/")

    assert response.status_code == status
    page = response.content.decode()
    assert 'data-testid="invitation-refused"' in page
    assert message in page
    assert 'data-testid="privacy-notice"' not in page
