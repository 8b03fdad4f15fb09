"""One Rekognition client per process, and its calls with AWS's errors translated.

botocore retries throttled and failed calls with backoff, as `IMAGESIFT_AWS_*` configures. A call
that still fails leaves here as `ImageRejected` (a 413 or 415) or `EngineUnavailable` (a 503,
saying what to do), or as nothing at all for the error codes the caller tolerates.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Container
from functools import cache
from typing import Any

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError
from django.conf import settings

from vision.errors import EngineUnavailable, ImageRejected

logger = logging.getLogger(__name__)

BAD_CREDENTIALS = {
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "ExpiredTokenException",
}
THROTTLED = {
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "LimitExceededException",
}


class Rekognition:
    """Calls to Rekognition for one collection; the boto3 client is made on first use."""

    def __init__(self, collection_id: str) -> None:
        self.collection_id = collection_id
        self._client: BaseClient | None = None
        self._client_lock = threading.Lock()

    @property
    def client(self) -> BaseClient:
        """The Rekognition client, made on first use and kept for the life of the process."""
        if self._client is None:
            with self._client_lock:
                if self._client is None:
                    self._client = new_client()
        return self._client

    def call(self, operation: str, *, tolerate: Container[str] = (), **params) -> Any:
        """Call an operation (botocore retries throttling and server errors); None when it
        fails with an error code in `tolerate`; any other failure as one of our exceptions."""
        try:
            return getattr(self.client, operation)(**params)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in tolerate:
                return None
            raise self._translated(error, operation, code, params) from error
        except NoCredentialsError as error:
            raise EngineUnavailable(
                "No AWS credentials found for Rekognition: give the server an IAM role, or set "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
            ) from error
        except BotoCoreError as error:  # unreachable, timed out, ...
            logger.warning("Rekognition %s failed: %s", operation, error)
            raise EngineUnavailable(
                f"Amazon Rekognition cannot be reached ({error}); try again in a moment."
            ) from error

    def _translated(self, error: ClientError, operation: str, code: str, params: dict) -> Exception:
        message = error.response.get("Error", {}).get("Message", "")
        region = self.client.meta.region_name
        logger.warning("Rekognition %s failed: %s: %s", operation, code, message)
        if code == "ImageTooLargeException":
            return ImageRejected(
                "image_too_large",
                "The image is too large for face recognition; send a smaller one.",
                status=413,
            )
        if code == "InvalidImageFormatException":
            return ImageRejected(
                "unsupported_format", "Face recognition cannot read this image.", status=415
            )
        if code in THROTTLED:
            attempts = error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
            return EngineUnavailable(
                f"Amazon Rekognition is throttling requests (tried {attempts}x); "
                "try again in a moment."
            )
        if code == "ResourceNotFoundException":
            return EngineUnavailable(
                f"The Rekognition collection {self.collection_id!r} does not exist in {region}: "
                "run manage.py setup_aws."
            )
        if code in BAD_CREDENTIALS:
            return EngineUnavailable(
                f"AWS refused ImageSift's credentials ({code}): check the access key or role."
            )
        if code == "AccessDeniedException":
            return EngineUnavailable(
                f"AWS denied rekognition:{error.operation_name} on collection "
                f"{self.collection_id!r} in {region}: check the IAM policy of the role or user "
                "ImageSift runs as."
            )
        if code == "InvalidS3ObjectException":
            logger.warning("Rekognition cannot read %s", params.get("Image", {}).get("S3Object"))
            return EngineUnavailable(
                f"Rekognition cannot read the photo from S3: the bucket must be in {region}, and "
                "ImageSift's role must be allowed s3:GetObject on it."
            )
        return EngineUnavailable(f"Amazon Rekognition failed ({code}); try again in a moment.")


@cache
def rekognition(collection_id: str) -> Rekognition:
    """One `Rekognition` per collection and process: the face collection and the image analyser
    share its client."""
    return Rekognition(collection_id)


def new_client() -> BaseClient:
    config = Config(
        retries={  # botocore's `max_attempts` counts retries only; this counts every attempt
            "mode": settings.IMAGESIFT_AWS_RETRY_MODE,
            "total_max_attempts": settings.IMAGESIFT_AWS_MAX_ATTEMPTS,
        },
        connect_timeout=settings.IMAGESIFT_AWS_TIMEOUT,
        read_timeout=settings.IMAGESIFT_AWS_TIMEOUT,
    )
    try:
        return boto3.session.Session().client(
            "rekognition", region_name=settings.AWS_REGION or None, config=config
        )
    except NoRegionError as error:
        raise EngineUnavailable("No AWS region is set for Rekognition: set AWS_REGION.") from error
