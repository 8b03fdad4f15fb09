"""The recognition commands: `verify` for scripts, `purge_expired_probes` for cron."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command, execute_from_command_line
from django.utils import timezone

from recognition.models import Verification
from tests.factories import enroll, make_employee, verify

pytestmark = pytest.mark.django_db(transaction=True)


def test_verify_json_prints_one_line_per_image_and_fails_at_the_end(faces, tmp_path):
    name = faces.people_with(4)[0]
    employee = make_employee(name)
    enroll(employee, *faces.of(name)[:2])
    not_an_image = tmp_path / "notes.jpg"
    not_an_image.write_text("no photo here")
    images = [faces.of(name)[3], faces.nonface()[0], not_an_image]
    stdout = StringIO()

    with pytest.raises(CommandError, match="1 of 3 images could not be verified"):
        call_command("verify", *map(str, images), "--json", stdout=stdout)

    recognised, no_face, error = map(json.loads, stdout.getvalue().splitlines())
    assert recognised["image"] == str(images[0])
    assert recognised["decision"] == Verification.Decision.EMPLOYEE
    assert recognised["person"]["id"] == employee.pk
    assert recognised["person"]["name"] == name
    assert recognised["person"]["kind"] == "employee"
    assert recognised["similarity"] >= 60
    assert recognised["faces_seen"] == 1 and recognised["face_box"]["width"] > 50
    assert recognised["channel"] == "cli"
    assert no_face["decision"] == Verification.Decision.NO_FACE
    assert no_face["person"] is None and no_face["faces_seen"] == 0 and no_face["reason"]
    assert error == {
        "image": str(not_an_image),
        "error": "not_an_image",
        "detail": "The file is not an image.",
    }
    rows = Verification.objects.order_by("id")
    assert [row.pk for row in rows] == [recognised["id"], no_face["id"]]
    assert {row.channel for row in rows} == {Verification.Channel.CLI}
    assert rows[0].person_id == employee.pk


def test_verify_prints_a_readable_line_per_image(faces):
    name = faces.people_with(4)[1]
    employee = make_employee(name)
    enroll(employee, *faces.of(name)[:2])
    stdout = StringIO()

    call_command("verify", str(faces.of(name)[3]), str(faces.nonface()[1]), stdout=stdout)

    recognised, no_face = stdout.getvalue().splitlines()
    verification = Verification.objects.get(person=employee)
    assert recognised.startswith(f"{faces.of(name)[3]}: Employee — {name} (employee #")
    assert f"similarity {verification.similarity:.1f}" in recognised
    assert recognised.endswith(f"[verification #{verification.pk}]")
    assert no_face.startswith(f"{faces.nonface()[1]}: No usable face")


def test_verify_exits_with_status_1_when_an_image_is_missing(faces, tmp_path, capsys):
    missing = tmp_path / "missing.jpg"

    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(
            ["manage.py", "verify", "--json", str(faces.nonface()[2]), str(missing)]
        )

    assert exit_info.value.code == 1
    output = capsys.readouterr()
    verified, error = map(json.loads, output.out.splitlines())
    assert verified["decision"] == Verification.Decision.NO_FACE
    assert error == {"image": str(missing), "error": "file_not_found", "detail": "No such file."}
    assert "1 of 2 images could not be verified" in output.err
    assert Verification.objects.get().channel == Verification.Channel.CLI


def test_purge_deletes_expired_probe_images_and_keeps_the_log(faces):
    expired, current = (verify(path, "cli") for path in faces.nonface()[:2])
    expired_file = expired.probe_image.name
    Verification.objects.filter(pk=expired.pk).update(
        probe_expires_at=timezone.now() - timedelta(minutes=1)
    )
    stdout = StringIO()

    call_command("purge_expired_probes", stdout=stdout)

    assert stdout.getvalue() == "Purged 1 expired probe image.\n"
    expired.refresh_from_db()
    current.refresh_from_db()
    assert not expired.probe_image and expired.probe_expires_at is None
    assert not default_storage.exists(expired_file)
    assert current.probe_image and default_storage.exists(current.probe_image.name)
    assert Verification.objects.count() == 2

    stdout = StringIO()
    call_command("purge_expired_probes", stdout=stdout)
    assert stdout.getvalue() == "Purged 0 expired probe images.\n"
