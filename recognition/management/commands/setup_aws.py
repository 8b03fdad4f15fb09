"""Create the AWS resources ImageSift needs and does not find; safe to run again."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from storages.backends.s3 import S3Storage

from accounts.collection import face_collection
from vision.errors import EngineUnavailable


class Command(BaseCommand):
    help = (
        "Create the Rekognition collection (IMAGESIFT_REKOGNITION_COLLECTION) unless it exists, "
        "and check the S3 bucket of the default storage when photos are kept in S3. "
        "Prints what it found and did; exits with status 1 when something is wrong."
    )

    def handle(self, *args, **options) -> None:
        try:
            collection = face_collection("rekognition").ensure_collection()
        except EngineUnavailable as error:
            raise CommandError(str(error)) from error
        where = f"Rekognition collection '{collection.collection_id}' in {collection.region}"
        if collection.created:
            self.stdout.write(
                self.style.SUCCESS(f"Created {where} (face model {collection.face_model_version}).")
            )
        else:
            self.stdout.write(
                f"{where} exists (face model {collection.face_model_version}, "
                f"{collection.face_count} faces, {collection.user_count} users): nothing to do."
            )
        self._check_bucket()
        if settings.IMAGESIFT_ENGINE != "rekognition":
            self.stdout.write(
                self.style.WARNING(
                    f"IMAGESIFT_ENGINE is {settings.IMAGESIFT_ENGINE!r}: set it to 'rekognition' "
                    "to recognise faces with this collection."
                )
            )

    def _check_bucket(self) -> None:
        """Say whether the default storage's bucket can be reached (it is not created here)."""
        storage = storages["default"]
        if not isinstance(storage, S3Storage):
            self.stdout.write("Photos are kept on local disk (no S3 bucket configured).")
            return
        bucket = storage.bucket_name
        try:
            storage.connection.meta.client.head_bucket(Bucket=bucket)
        except ClientError as error:
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 404:
                raise CommandError(
                    f"The S3 bucket '{bucket}' does not exist: create it (private) in "
                    f"{settings.AWS_REGION or 'the region of the collection'}."
                ) from error
            raise CommandError(
                f"The S3 bucket '{bucket}' cannot be reached ({status}): check the IAM policy."
            ) from error
        except BotoCoreError as error:
            raise CommandError(f"The S3 bucket '{bucket}' cannot be reached: {error}") from error
        self.stdout.write(f"S3 bucket '{bucket}' is reachable.")
