"""Settings for the test suite: the real settings, tuned for speed and isolation."""

import os
import tempfile

os.environ.setdefault("DJANGO_DEBUG", "1")

from imagesift.settings import *  # noqa: F403
from imagesift.settings import BASE_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="imagesift-test-media-")
IMAGESIFT_FACES_DIR = os.environ.get(
    "IMAGESIFT_FACES_DIR", str(BASE_DIR.parent / "shared" / "faces")
)
