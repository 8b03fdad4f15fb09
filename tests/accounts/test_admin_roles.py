"""Roles in the admin, enforced per model and per action by the permissions each role's group is
given (accounts/roles.py): every role against every action. A refused action changes nothing."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import FacePhoto, Person
from accounts.roles import Role
from insight.models import ImageAnalysis

pytestmark = pytest.mark.django_db

ADMIN_ROLES = ["superuser", Role.ADMIN, Role.FRONT_DESK, Role.API_CLIENT]
# (changelist, action, what the action changes) -> roles that may run it.
ACTIONS = {
    ("accounts/employee", "record_consent"): {"superuser", Role.ADMIN},
    ("accounts/employee", "reindex_faces"): {"superuser", Role.ADMIN},
    ("accounts/employee", "remove_faces"): {"superuser", Role.ADMIN},
    ("accounts/visitor", "record_consent"): {"superuser", Role.ADMIN, Role.FRONT_DESK},
    ("accounts/visitor", "remove_faces"): {"superuser", Role.ADMIN, Role.FRONT_DESK},
    ("accounts/facephoto", "reindex"): {"superuser", Role.ADMIN},
    ("accounts/facephoto", "remove_face"): {"superuser", Role.ADMIN},
    ("insight/imageanalysis", "analyse_again"): {"superuser", Role.ADMIN},
}


def staff_client(role, user_with_role) -> Client:
    if role == "superuser":
        user = User.objects.create_superuser("root", password="pw-12345678")
    else:
        user = user_with_role(role)
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rows():
    """One row of each model the actions work on, people recorded without consent, so that what
    an action would do shows in the rows (no face is indexed here: the tasks are held back)."""
    from tests.factories import make_employee, make_visitor

    employee, visitor = make_employee(consent=False), make_visitor(consent=False)
    photo, _ = (
        FacePhoto.objects.create(
            person=person, image=f"photos/{person.pk}/a.jpg", state="indexed", face_id=face_id
        )
        for person, face_id in ((employee, str(uuid.uuid4())), (visitor, str(uuid.uuid4())))
    )
    analysis = ImageAnalysis.objects.create(
        image="uploads/a.jpg", source="api", min_confidence=80, max_labels=5, status="failed"
    )
    return {
        "accounts/employee": employee,
        "accounts/visitor": visitor,
        "accounts/facephoto": photo,
        "insight/imageanalysis": analysis,
    }


def snapshot() -> tuple:
    return (
        list(Person.objects.values_list("pk", "consent_recorded_by")),
        list(FacePhoto.objects.values_list("pk", "state", "face_id")),
        list(ImageAnalysis.objects.values_list("pk", "status")),
    )


@pytest.mark.parametrize("role", ADMIN_ROLES, ids=str)
@pytest.mark.parametrize(("page", "action"), list(ACTIONS), ids=[f"{p}:{a}" for p, a in ACTIONS])
def test_every_role_runs_only_the_admin_actions_it_may(
    user_with_role, rows, role, page, action, settings, django_capture_on_commit_callbacks
):
    settings.IMAGESIFT_ENGINE = "local"
    client = staff_client(role, user_with_role)
    before = snapshot()

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            f"/admin/{page}/", {"action": action, "_selected_action": [rows[page].pk]}
        )

    allowed = role in ACTIONS[(page, action)]
    if role == Role.API_CLIENT:
        assert response.status_code == 403 or "login" in response.get("Location", "")
    if allowed:
        assert snapshot() != before, "the action did nothing"
    else:
        assert snapshot() == before


@pytest.mark.parametrize(
    "page", ["insight/imageanalysis", "authtoken/tokenproxy", "accounts/employee"]
)
def test_admins_who_are_not_superusers_manage_analyses_tokens_and_people(user_with_role, page):
    client = staff_client(Role.ADMIN, user_with_role)

    assert client.get(f"/admin/{page}/").status_code == 200


def test_the_front_desk_sees_no_analyses_tokens_or_employee_changes(user_with_role):
    client = staff_client(Role.FRONT_DESK, user_with_role)

    assert client.get("/admin/insight/imageanalysis/").status_code == 403
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 403
    assert client.get("/admin/accounts/employee/add/").status_code == 403
    assert client.get("/admin/accounts/visitor/add/").status_code == 200


@pytest.mark.parametrize("role", [Role.ADMIN, Role.FRONT_DESK])
def test_admins_and_the_front_desk_may_mark_decisions_but_never_change_marks(role, user_with_role):
    from recognition.models import DecisionFeedback, Verification

    verification = Verification.objects.create(channel="api", decision="unknown", engine="local")
    mark = DecisionFeedback.objects.create(verification=verification, verdict="correct")
    client = staff_client(role, user_with_role)

    assert client.get("/admin/recognition/decisionfeedback/add/").status_code == 200
    assert client.get("/admin/recognition/decisionfeedback/").status_code == 200
    assert client.post(f"/admin/recognition/decisionfeedback/{mark.pk}/delete/").status_code == 403
