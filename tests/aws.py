"""AWS stand-ins for the tests, all offline: a moto S3 bucket behind the default storage, the
Lambda client of Zappa's async tasks answered by botocore's Stubber, and S3 events in the
shape AWS documents."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote_plus

import boto3
import pytest
import zappa.asynchronous
from botocore.stub import ANY, Stubber
from moto import mock_aws

from core.storage import s3_storage_options

REGION = "eu-west-1"
MEDIA_BUCKET = "imagesift-dev-media"  # the dev stage's bucket in zappa_settings.json
FUNCTION_NAME = "imagesift-dev"  # the dev stage's Lambda function


def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials and a region that boto3 accepts and no AWS account knows; no profile or
    config file of this machine is read, and no instance-metadata address is asked."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@contextmanager
def media_bucket(settings, *, prefix: str = "", url_seconds: int = 300) -> Iterator[Any]:
    """A private moto bucket as the default storage, configured as settings.py configures S3.

    Yields an S3 client to look into the bucket with.
    """
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(
            Bucket=MEDIA_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        s3.put_public_access_block(
            Bucket=MEDIA_BUCKET,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        options = s3_storage_options(
            bucket=MEDIA_BUCKET,
            region=REGION,
            prefix=prefix,
            endpoint_url="",
            url_seconds=url_seconds,
        )
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
        }
        yield s3


def bucket_keys(s3) -> list[str]:
    listing = s3.list_objects_v2(Bucket=MEDIA_BUCKET)
    return sorted(item["Key"] for item in listing.get("Contents", []))


class LambdaInvocations:
    """Zappa's async task invocations, answered by botocore's Stubber (which checks each request
    against Lambda's API model) and kept, to be fed back to the handler as Lambda would."""

    def __init__(self) -> None:
        self.client = boto3.client("lambda", region_name=REGION)
        self.stubber = Stubber(self.client)
        self.payloads: list[dict] = []
        self.client.meta.events.register("provide-client-params.lambda.Invoke", self._keep)

    def _keep(self, params: dict, **kwargs) -> None:
        self.payloads.append(json.loads(params["Payload"]))

    def expect(self, count: int = 1) -> None:
        """Answer the next `count` invocations as Lambda answers an accepted async one."""
        for _ in range(count):
            self.stubber.add_response(
                "invoke",
                {"StatusCode": 202},
                {"FunctionName": FUNCTION_NAME, "InvocationType": "Event", "Payload": ANY},
            )


@contextmanager
def on_lambda(monkeypatch: pytest.MonkeyPatch) -> Iterator[LambdaInvocations]:
    """Run as inside the Lambda function: Zappa's tasks are invoked, not run."""
    fake_aws_credentials(monkeypatch)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", FUNCTION_NAME)
    invocations = LambdaInvocations()
    monkeypatch.setattr(zappa.asynchronous, "LAMBDA_CLIENT", invocations.client, raising=False)
    with invocations.stubber:
        yield invocations
    invocations.stubber.assert_no_pending_responses()


def s3_put_event(key: str, *, bucket: str = MEDIA_BUCKET, size: int = 1024) -> dict:
    """AWS's documented `s3:ObjectCreated:Put` sample event (the Lambda console's "s3-put"
    template), for one object: its key URL-encoded as S3 sends it."""
    return {
        "Records": [
            {
                "eventVersion": "2.0",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": "1970-01-01T00:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "EXAMPLE"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {
                    "x-amz-request-id": "EXAMPLE123456789",
                    "x-amz-id-2": (
                        "EXAMPLE123/5678abcdefghijklambdaisawesome/mnopqrstuvwxyzABCDEFGH"
                    ),
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "testConfigRule",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "EXAMPLE"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": quote_plus(key),
                        "size": size,
                        "eTag": "0123456789abcdef0123456789abcdef",
                        "sequencer": "0A1B2C3D4E5F678901",
                    },
                },
            }
        ]
    }
