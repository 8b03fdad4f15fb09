"""deploy/iam-policy.json grants what the code calls on AWS, and nothing else."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from fnmatch import fnmatchcase

import botocore.session
import pytest
from botocore import xform_name
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts import services as people
from accounts import tasks
from accounts.roles import Role
from insight import services as insight
from recognition import services
from tests.aws import (
    FUNCTION_NAME,
    MEDIA_BUCKET,
    REGION,
    fake_aws_credentials,
    media_bucket,
    on_lambda,
)
from tests.deploy.conftest import REPO, zappa_stage
from tests.factories import enroll, make_employee, verify
from tests.uploads import sample_photo

POLICY = json.loads((REPO / "deploy" / "iam-policy.json").read_text())
DEPLOYED_PACKAGES = ["vision", "core", "accounts", "recognition", "insight", "imagesift"]
ACCOUNT = "123456789012"
COLLECTION = zappa_stage()["environment_variables"]["IMAGESIFT_REKOGNITION_COLLECTION"]
COLLECTION_ARN = f"arn:aws:rekognition:{REGION}:{ACCOUNT}:collection/{COLLECTION}"
# Operations authorised by another action (AWS's Service Authorization Reference).
S3_ACTIONS = {
    "HeadObject": "GetObject",
    "HeadBucket": "ListBucket",
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
}
S3_BUCKET_OPERATIONS = {"HeadBucket", "ListObjects", "ListObjectsV2"}
# Rekognition actions without resource-level permissions: their Resource must be "*".
REKOGNITION_WITHOUT_RESOURCE = {
    "DetectFaces",
    "DetectLabels",
    "DetectModerationLabels",
    "DetectText",
}
# What the storage asks of S3 (checked by test_every_s3_request_of_the_storage_is_allowed).
STORAGE_ACTIONS = {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}
LAMBDA_LOGS = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def allows(action: str, resource: str) -> bool:
    """Whether an Allow statement of the policy matches the action on the resource."""
    return any(
        statement["Effect"] == "Allow"
        and any(
            fnmatchcase(action.lower(), pattern.lower()) for pattern in as_list(statement["Action"])
        )
        and any(fnmatchcase(resource, pattern) for pattern in as_list(statement["Resource"]))
        for statement in POLICY["Statement"]
    )


def policy_actions() -> set[str]:
    return {action for statement in POLICY["Statement"] for action in as_list(statement["Action"])}


def s3_request(operation: str, key: str = "photos/1/a.jpg") -> tuple[str, str]:
    action = f"s3:{S3_ACTIONS.get(operation, operation)}"
    if operation in S3_BUCKET_OPERATIONS:
        return action, f"arn:aws:s3:::{MEDIA_BUCKET}"
    return action, f"arn:aws:s3:::{MEDIA_BUCKET}/{key}"


def rekognition_request(operation: str) -> tuple[str, str]:
    resource = "*" if operation in REKOGNITION_WITHOUT_RESOURCE else COLLECTION_ARN
    return f"rekognition:{operation}", resource


def operations_named_in_code(service: str) -> set[str]:
    """The service's operations the deployed code calls: `client.index_faces(` or, through a
    helper, `"index_faces"`."""
    model = botocore.session.get_session().get_service_model(service)
    by_snake_name = {xform_name(name): name for name in model.operation_names}
    names = "|".join(by_snake_name)
    pattern = re.compile(rf"""(?:\.|["'])({names})(?:\(|["'])""")
    found = set()
    for package in DEPLOYED_PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            found |= {by_snake_name[name] for name in pattern.findall(path.read_text())}
    return found


@pytest.fixture(scope="module")
def code_requests() -> set[tuple[str, str]]:
    s3 = {s3_request(operation) for operation in operations_named_in_code("s3")}
    rekognition = {rekognition_request(op) for op in operations_named_in_code("rekognition")}
    return s3 | rekognition


def test_the_code_calls_the_face_collection_and_analyses_images(code_requests):
    actions = {action for action, _ in code_requests}
    assert {"rekognition:IndexFaces", "rekognition:DeleteFaces"} <= actions
    assert {"rekognition:DetectLabels", "rekognition:DetectText"} <= actions


def test_every_call_in_the_code_is_allowed(code_requests):
    refused = sorted(request for request in code_requests if not allows(*request))
    assert refused == []


@pytest.mark.django_db(transaction=True)
def test_every_s3_request_of_the_storage_is_allowed(settings, monkeypatch, faces, client_as):
    """What django-storages asks of S3 while photos are enrolled, shown and deleted and probes
    are kept and purged: recorded from the requests themselves (moto answers them)."""
    fake_aws_credentials(monkeypatch)
    requests: set[tuple[str, str]] = set()

    def record(params: dict, model, **kwargs) -> None:
        requests.add(s3_request(model.name, params.get("Key", "")))

    with media_bucket(settings):
        default_storage.connection.meta.client.meta.events.register(
            "provide-client-params.s3", record
        )
        kept, deleted = enroll(make_employee("Jackie Chan"), *faces.of("Jackie_Chan")[:2])
        verify(faces.of("Jackie_Chan")[2])
        link = client_as(Role.FRONT_DESK).get(f"/photos/{kept.pk}/")
        assert link.status_code == 302
        requests.add(s3_request("GetObject", kept.image.name))  # what the presigned link does
        people.photo_delete(photo=deleted)
        assert services.verification_probes_purge(now=timezone.now() + timedelta(days=366)) == 1
        analysis = insight.image_intake(upload=sample_photo("coffee"), source="api").analysis
        analysis.refresh_from_db()
        assert analysis.metadata_name.startswith("metadata/uploads/")
        insight.image_delete(analysis=analysis)

    assert {action for action, _ in requests} == STORAGE_ACTIONS
    refused = sorted(request for request in requests if not allows(*request))
    assert refused == []


def test_async_tasks_may_invoke_the_function(monkeypatch):
    with on_lambda(monkeypatch) as invocations:
        invocations.expect(1)
        tasks.index_photo(1)  # on Lambda: sent to the function, not run here

    function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION_NAME}"
    assert allows("lambda:InvokeFunction", function_arn)


def test_the_secrets_file_may_be_read():
    bucket, key = zappa_stage()["remote_env"].removeprefix("s3://").split("/", 1)
    assert allows("s3:GetObject", f"arn:aws:s3:::{bucket}/{key}")
    assert not allows("s3:PutObject", f"arn:aws:s3:::{bucket}/{key}")


def test_nothing_is_granted_that_nothing_uses(code_requests):
    used = {action for action, _ in code_requests} | STORAGE_ACTIONS | LAMBDA_LOGS
    assert policy_actions() == used | {"lambda:InvokeFunction"}


def test_no_wildcard_actions_and_no_star_resource_where_a_resource_can_be_named():
    for statement in POLICY["Statement"]:
        assert not any("*" in action for action in as_list(statement["Action"])), statement
        if "*" in as_list(statement["Resource"]):
            assert as_list(statement["Action"]) == [
                f"rekognition:{name}"
                for name in sorted(REKOGNITION_WITHOUT_RESOURCE)
                if f"rekognition:{name}" in as_list(statement["Action"])
            ], statement
    assert not allows("s3:GetObject", "arn:aws:s3:::some-other-bucket/photos/1/a.jpg")
    assert not allows("s3:PutObject", f"arn:aws:s3:::{MEDIA_BUCKET}/elsewhere/a.jpg")
    assert not allows("rekognition:DeleteFaces", COLLECTION_ARN.replace(COLLECTION, "other"))
