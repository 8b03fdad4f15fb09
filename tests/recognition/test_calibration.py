"""Calibration: the gallery measured in the background (both engines), confirmed decisions, the
false-accept estimate and suggested threshold, the admin page and the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.collection import face_collection
from accounts.models import FacePhoto
from accounts.roles import Role
from recognition import calibration, measuring, selectors, tasks
from recognition.models import DecisionFeedback, GalleryMeasurement, Verification
from tests.aws import on_lambda
from tests.factories import enroll, make_employee, make_visitor

pytestmark = pytest.mark.django_db(transaction=True)

TWIN = "Jackie_Chan"


def measure() -> GalleryMeasurement:
    with transaction.atomic():
        measurement = measuring.gallery_measurement_request()
    measurement.refresh_from_db()
    return measurement


def decided(decision: str, similarity: float | None, *marks: str) -> Verification:
    """A logged decision of the local engine at `similarity`, marked with `marks` in order."""
    verification = Verification.objects.create(
        channel="api", decision=decision, similarity=similarity, engine="local"
    )
    for verdict in marks:
        DecisionFeedback.objects.create(verification=verification, verdict=verdict)
    return verification


@pytest.fixture
def gallery(faces) -> dict[str, int]:
    """Five people with two photos each, and Jackie Chan enrolled a second time as a visitor:
    person ids by name."""
    people = {}
    for name in [TWIN, *[n for n in faces.people_with(2) if n != TWIN][:4]]:
        person = make_employee(name.replace("_", " "))
        enroll(person, *faces.of(name)[:2])
        people[name] = person.pk
    twin = make_visitor("J. Chan")
    enroll(twin, faces.of(TWIN)[2])
    people["twin"] = twin.pk
    return people


# --- the arithmetic -------------------------------------------------------------------------------
def test_the_false_accept_estimate_counts_people_with_someone_else_at_the_threshold():
    estimate = calibration.false_accepts([10.0, 30.0, 42.0, 60.0], 42.0)

    assert (estimate.accepted, estimate.sampled, estimate.rate) == (2, 4, 0.5)
    assert estimate.rate < estimate.upper_bound <= 1.0
    assert calibration.false_accepts([20.0] * 1000, 42.0).upper_bound == pytest.approx(
        0.0038, abs=0.0002
    )  # none of 1 000: the rate is under 0.4 % at 95 % confidence


def test_the_suggestion_is_the_lowest_threshold_within_the_target_and_above_wrong_matches():
    nearest = [float(n % 40) for n in range(200)]  # 0-39, five of each

    plain = calibration.suggest_threshold(nearest, [], [], target_false_accept_rate=0.05)
    with_feedback = calibration.suggest_threshold(
        nearest, [44.2], [40.0, 45.0, 90.0], target_false_accept_rate=0.05
    )

    assert plain.threshold == 37.5  # 38 and 39 at or above it: 10 of 200 = 5 %
    assert (with_feedback.threshold, with_feedback.right_below) == (44.5, 1)
    assert "above every confirmed wrong match" in with_feedback.reason


def test_no_suggestion_from_a_small_gallery():
    suggestion = calibration.suggest_threshold([20.0] * 99, [], [], target_false_accept_rate=0.01)

    assert suggestion.threshold is None
    assert "at least 100" in suggestion.reason


def test_histograms_bin_similarities_from_0_to_100():
    counts = calibration.histogram([0.0, 1.9, 2.0, 99.9, 100.0])

    assert len(counts) == 50
    assert (counts[0], counts[1], counts[49]) == (2, 1, 2)


# --- measuring the gallery ------------------------------------------------------------------------
def test_a_measurement_finds_each_persons_nearest_other_and_the_closest_pair(gallery):
    measurement = measure()

    assert measurement.state == GalleryMeasurement.State.DONE
    assert measurement.engine == "local" and measurement.people_enrolled == 6
    assert len(measurement.nearest_similarities) == 6
    assert measurement.nearest_similarities == sorted(measurement.nearest_similarities)
    first, second, similarity = measurement.closest_pairs[0]
    assert {first, second} == {gallery[TWIN], gallery["twin"]}  # one face enrolled twice
    assert similarity >= face_collection().match_threshold
    estimate = selectors.calibration_read().false_accepts
    assert estimate.accepted == 2 and estimate.sampled == 6  # the twins, and nobody else


def test_a_measurement_asked_for_while_one_waits_is_that_one(gallery):
    with transaction.atomic():
        first = measuring.gallery_measurement_request()
        second = measuring.gallery_measurement_request()

    assert first.pk == second.pk
    assert GalleryMeasurement.objects.count() == 1


def test_a_lost_measurement_is_measured_by_the_sweep(gallery, settings):
    settings.IMAGESIFT_STALE_TASK_MINUTES = 10
    with pytest.MonkeyPatch.context() as lambda_env, on_lambda(lambda_env) as invocations:
        invocations.expect(1)  # on Lambda the task is sent elsewhere: lost, here
        with transaction.atomic():
            lost = measuring.gallery_measurement_request()
    GalleryMeasurement.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )

    assert tasks.requeue_stale_measurements({"source": "aws.events"}, None) == 1

    lost.refresh_from_db()
    assert lost.state == GalleryMeasurement.State.DONE


def test_on_rekognition_each_measured_face_is_searched_by_face_id(aws):
    ada, grace = make_employee("Ada"), make_employee("Grace")
    for person, face_id in (
        (ada, "11111111-1111-4111-8111-111111111111"),
        (grace, "22222222-2222-4222-8222-222222222222"),
    ):
        FacePhoto.objects.create(
            person=person,
            image=f"faces/{person.pk}/photo.jpg",
            state=FacePhoto.State.INDEXED,
            face_id=face_id,
            face_model=aws.collection.model_key,
        )
    aws.compares(
        "11111111-1111-4111-8111-111111111111",
        (str(grace.pk), "22222222-2222-4222-8222-222222222222", 12.5),
        threshold=0.0,
    )
    aws.compares(
        "22222222-2222-4222-8222-222222222222",
        (str(ada.pk), "11111111-1111-4111-8111-111111111111", 12.5),
        threshold=0.0,
    )

    measurement = measure()

    assert measurement.engine == "rekognition"
    assert measurement.nearest_similarities == [12.5, 12.5]
    assert measurement.closest_pairs == [[ada.pk, grace.pk, 12.5]]


# --- confirmed decisions --------------------------------------------------------------------------
def test_confirmed_decisions_count_by_their_latest_mark():
    decided("employee", 80.0, "correct")
    decided("employee", 45.0, "correct", "wrong_person")  # corrected: the latest mark counts
    decided("possible_denied", 38.0, "admitted_after_id_check")  # not the denied person
    decided("visitor_outside_window", 70.0, "admitted_after_id_check")  # the right person
    decided("unknown", None, "missed")

    data = selectors.calibration_read()

    assert data.confirmed_right == [80.0]
    assert data.confirmed_wrong == [38.0, 45.0]
    assert data.missed == 1


# --- the admin page and the API -------------------------------------------------------------------
def test_the_calibration_page_draws_both_histograms_with_the_thresholds(admin, gallery):
    measure()
    decided("employee", 80.0, "correct")

    page = admin.get("/admin/recognition/verification/calibration/")

    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('<svg class="histogram"') == 2
    assert "match 42" in html and "deny list 35" in html
    assert "J. Chan" in html  # the closest pair, named
    assert "Estimated false-accept rate" in html
    assert "Calibration" in admin.get("/admin/recognition/verification/").content.decode()


def test_the_calibration_page_measures_again_on_request(admin, gallery):
    response = admin.post("/admin/recognition/verification/calibration/")

    assert response.status_code == 302
    assert GalleryMeasurement.objects.get().state == GalleryMeasurement.State.DONE


def test_calibration_is_for_admins_only(client, user_with_role, api_as):
    desk = user_with_role(Role.FRONT_DESK, "desk-at-the-admin")
    desk.is_staff = True  # the admin's door is open to them; calibration is not
    desk.save()
    client.force_login(desk)

    assert client.get("/admin/recognition/verification/calibration/").status_code == 403
    assert "Calibration" not in client.get("/admin/recognition/verification/").content.decode()
    assert api_as(Role.FRONT_DESK).get("/api/v1/calibration/").status_code == 403
    assert api_as(Role.API_CLIENT).post("/api/v1/calibration/measurements/").status_code == 403


def test_the_api_reads_calibration_as_binned_counts(admin_api, gallery):
    decided("employee", 80.0, "correct")
    accepted = admin_api.post("/api/v1/calibration/measurements/")

    body = admin_api.get("/api/v1/calibration/").json()

    assert accepted.status_code == 202 and accepted.json()["state"] == "pending"
    assert (body["engine"], body["match_threshold"], body["bin_width"]) == ("local", 42.0, 2.0)
    assert body["confirmed_right"]["count"] == 1 and body["confirmed_right"]["histogram"][40] == 1
    assert body["gallery"]["count"] == 6 and sum(body["gallery"]["histogram"]) == 6
    assert body["closest_pairs"][0]["similarity"] >= 42.0
    assert body["false_accepts"]["accepted"] == 2
    assert body["suggested_threshold"] is None  # six people say too little
    assert body["measurement_waiting"] is False
