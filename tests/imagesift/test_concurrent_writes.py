"""Ten writers at once on the default set-up (SQLite, as `make run` serves it; PostgreSQL in the
second run): every enrolment and upload is answered 201/202, none with a 500, and nothing is left
half-written: every photo ends indexed (or rejected with its reason) and every image analysed,
each with its file."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection
from rest_framework.authtoken.models import Token

from accounts.models import FacePhoto
from accounts.roles import Role
from insight.models import ImageAnalysis
from tests.factories import make_employee
from tests.uploads import sample_photo
from visits.models import Visit

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 10


def test_ten_concurrent_writers_all_succeed_and_leave_nothing_half_written(
    live_server, user_with_role, faces
):
    token = Token.objects.create(user=user_with_role(Role.ADMIN)).key
    people = [make_employee(f"Writer {number}") for number in range(WRITERS // 2)]
    portraits = [path.read_bytes() for path in faces.of("Jackie_Chan")[: WRITERS // 2]]
    # Five different images: the same one twice would be one analysis (by its digest).
    images = [
        sample_photo(name, image_format)
        for name in ("astronaut", "coffee", "chelsea")
        for image_format in ("JPEG", "PNG")
    ]

    def write(number: int) -> int:
        headers = {"Authorization": f"Token {token}"}
        visit = {
            "new_visitor": {"name": f"Visitor {number}"},
            "starts_at": "2026-01-01T09:00:00Z",
            "ends_at": "2026-01-01T17:00:00Z",
        }
        created = requests.post(
            f"{live_server.url}/api/v1/visits/", headers=headers, json=visit, timeout=120
        )
        assert created.status_code == 201, created.content
        if number % 2 == 0:
            person, portrait = people[number // 2], portraits[number // 2]
            url = f"{live_server.url}/api/v1/employees/{person.pk}/photos/"
            files = {"image": ("photo.jpg", portrait, "image/jpeg")}
        else:
            url = f"{live_server.url}/api/v1/images/"
            files = {"image": ("image.jpg", images[number // 2], "image/jpeg")}
        return requests.post(url, headers=headers, files=files, timeout=120).status_code

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        statuses = list(pool.map(write, range(WRITERS)))

    assert sorted(statuses) == [201] * (WRITERS // 2) + [202] * (WRITERS // 2), connection.vendor
    photos = FacePhoto.objects.all()
    assert len(photos) == WRITERS // 2
    finished = {FacePhoto.State.INDEXED, FacePhoto.State.REJECTED}  # none left waiting
    assert {photo.state for photo in photos} <= finished
    assert FacePhoto.State.INDEXED in {photo.state for photo in photos}
    assert all(photo.image.storage.exists(photo.image.name) for photo in photos)
    analyses = ImageAnalysis.objects.all()
    assert len(analyses) == WRITERS // 2
    assert {analysis.status for analysis in analyses} == {ImageAnalysis.Status.DONE}
    assert all(analysis.image.storage.exists(analysis.image.name) for analysis in analyses)
    assert Visit.objects.filter(visitor__isnull=False).count() == WRITERS  # each with its visitor
