"""Settings for the test suite: the real settings, tuned for speed and isolation."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_DEBUG", "1")

from imagesift.settings import *  # noqa: F403
from imagesift.settings import BASE_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="imagesift-test-media-")
IMAGESIFT_GALLERY_DIR = tempfile.mkdtemp(prefix="imagesift-test-gallery-")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: work on several threads (analyze --concurrency) needs SQLite's real
    # locking, which a shared in-memory database does not have.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.mkdtemp(prefix="imagesift-test-db-")) / "test.sqlite3")
    }
IMAGESIFT_LIVENESS_DIR = os.environ.get(
    "IMAGESIFT_LIVENESS_DIR", str(BASE_DIR.parent / "shared" / "liveness")
)
IMAGESIFT_FACES_DIR = os.environ.get(
    "IMAGESIFT_FACES_DIR", str(BASE_DIR.parent / "shared" / "faces")
)
