"""ImageSift settings: everything that varies between deployments comes from the environment.

Each section below is small and named; the README lists every variable.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "")
    return float(value) if value.strip() else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent

# --- core -------------------------------------------------------------------------------------
# The development `.env` that `make run` writes (git-ignored, never in the Lambda package), so
# that `manage.py` works on its own too; the real environment wins over it.
load_dotenv(os.environ.get("IMAGESIFT_ENV_FILE") or BASE_DIR / ".env", override=False)
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for development: `make .env` writes both "
            "to .env, which manage.py reads)."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "core",
    "notifications",
    "accounts",
    "visits",
    "recognition",
    "insight",
    "imagesift",  # the project's own commands (run_scheduled)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "imagesift.middleware.NullCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "imagesift.middleware.EngineUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "imagesift.urls"
WSGI_APPLICATION = "imagesift.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("IMAGESIFT_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "frontdesk"
LOGOUT_REDIRECT_URL = "login"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("IMAGESIFT_LOG_LEVEL", "INFO")},
}

# --- database ---------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several writers at once (threads of `analyze`, server workers): each transaction takes the
    # write lock when it begins, so that none fails upgrading a read lock; writers wait their
    # turn for up to 20 s; and in WAL mode readers never wait for them.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# --- storage ----------------------------------------------------------------------------------
# Photos go through Django's storage API, so that S3 (django-storages) is a settings change.
MEDIA_ROOT = Path(env_str("IMAGESIFT_MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Photos in a private S3 bucket (django-storages) once a bucket is named; shown through presigned
# URLs that expire. Keys: photos/<person id>/…, probes/YYYY/MM/DD/…, uploads/…, metadata/….
IMAGESIFT_S3_BUCKET = env_str("IMAGESIFT_S3_BUCKET")
IMAGESIFT_S3_REGION = env_str("IMAGESIFT_S3_REGION")  # empty: boto3's (AWS_REGION on Lambda)
IMAGESIFT_S3_PREFIX = env_str("IMAGESIFT_S3_PREFIX").strip("/")  # keys under <prefix>/ if set
IMAGESIFT_S3_ENDPOINT_URL = env_str("IMAGESIFT_S3_ENDPOINT_URL")  # an S3-compatible test server
IMAGESIFT_PRESIGNED_URL_SECONDS = env_int("IMAGESIFT_PRESIGNED_URL_SECONDS", 300)
if IMAGESIFT_S3_BUCKET:
    from core.storage import s3_storage_options

    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": s3_storage_options(
            bucket=IMAGESIFT_S3_BUCKET,
            region=IMAGESIFT_S3_REGION,
            prefix=IMAGESIFT_S3_PREFIX,
            endpoint_url=IMAGESIFT_S3_ENDPOINT_URL,
            url_seconds=IMAGESIFT_PRESIGNED_URL_SECONDS,
        ),
    }
# Static files served by the app itself (WhiteNoise, from `collectstatic`'s STATIC_ROOT) where no
# web server stands in front of it: on Lambda.
IMAGESIFT_SERVE_STATIC = env_bool("IMAGESIFT_SERVE_STATIC", False)
if IMAGESIFT_SERVE_STATIC:
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")  # after SecurityMiddleware
    STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    WHITENOISE_KEEP_ONLY_HASHED_FILES = True  # pages name the hashed files only: half the size

# --- engine -----------------------------------------------------------------------------------
IMAGESIFT_ENGINE = env_str("IMAGESIFT_ENGINE", "local")
# Load the engine's models (and the face gallery) when a server process starts (imagesift/wsgi.py)
# rather than on its first request.
IMAGESIFT_WARM_START = env_bool("IMAGESIFT_WARM_START", True)
# Where the local engine's processes share their gallery snapshot (memory-mapped files, one copy
# per machine instead of one per worker); empty: each process keeps its own copy in memory.
IMAGESIFT_GALLERY_DIR = env_str("IMAGESIFT_GALLERY_DIR", str(BASE_DIR / "var" / "gallery"))
# Past this many faces, the local engine picks candidates from int8 codes of the vectors (a
# quarter of the bytes to read) and scores them exactly; up to it, every vector is scanned.
IMAGESIFT_EXACT_SEARCH_MAX_FACES = env_int("IMAGESIFT_EXACT_SEARCH_MAX_FACES", 150_000)
# Similarity (0-100, 100 times the cosine of two face vectors) a face needs to be taken as an
# enrolled person, on the local engine; measured on ../shared/faces (README, "Accuracy").
IMAGESIFT_MATCH_THRESHOLD = env_float("IMAGESIFT_MATCH_THRESHOLD", 42.0)
# From this similarity (below the match threshold), a probe near a person on the deny list is
# answered "possible_denied": check ID. Measured on ../shared/faces (README, "Accuracy").
IMAGESIFT_DENY_LIST_THRESHOLD = env_float("IMAGESIFT_DENY_LIST_THRESHOLD", 35.0)
# Calibration (README, "Calibration"): people sampled by a gallery measurement (one search each:
# on Rekognition, one SearchFaces call each), and the false-accept rate, in percent, that the
# suggested threshold aims at.
IMAGESIFT_CALIBRATION_SAMPLE_PEOPLE = env_int("IMAGESIFT_CALIBRATION_SAMPLE_PEOPLE", 1000)
IMAGESIFT_CALIBRATION_TARGET_FAR_PERCENT = env_float(
    "IMAGESIFT_CALIBRATION_TARGET_FAR_PERCENT", 1.0
)
# Enrolment quality gates: a face smaller (px), blurrier (variance of the Laplacian of the
# aligned face) or darker (mean, 0-255) is rejected.
IMAGESIFT_MIN_FACE_PX = env_int("IMAGESIFT_MIN_FACE_PX", 40)
IMAGESIFT_MIN_SHARPNESS = env_float("IMAGESIFT_MIN_SHARPNESS", 20.0)
IMAGESIFT_MIN_BRIGHTNESS = env_float("IMAGESIFT_MIN_BRIGHTNESS", 40.0)

# --- aws --------------------------------------------------------------------------------------
# The region of the Rekognition collection (and of the S3 bucket it reads photos from); empty:
# boto3's own lookup (AWS config file, instance metadata). Credentials come from boto3's chain.
AWS_REGION = env_str("AWS_REGION") or env_str("AWS_DEFAULT_REGION")
IMAGESIFT_REKOGNITION_COLLECTION = env_str("IMAGESIFT_REKOGNITION_COLLECTION", "imagesift")
# Rekognition's similarity runs higher than the local engine's (the same person usually scores
# 95-100, strangers rarely 80), so it has its own threshold on its own 0-100 scale.
IMAGESIFT_REKOGNITION_MATCH_THRESHOLD = env_float("IMAGESIFT_REKOGNITION_MATCH_THRESHOLD", 90.0)
# The deny list's threshold on Rekognition's scale: its own default match threshold.
IMAGESIFT_REKOGNITION_DENY_LIST_THRESHOLD = env_float(
    "IMAGESIFT_REKOGNITION_DENY_LIST_THRESHOLD", 80.0
)
# How many users (or faces, without user vectors) one search asks Rekognition for.
IMAGESIFT_REKOGNITION_MAX_RESULTS = env_int("IMAGESIFT_REKOGNITION_MAX_RESULTS", 10)
if not (
    0 <= IMAGESIFT_REKOGNITION_MATCH_THRESHOLD <= 100
    and 0 <= IMAGESIFT_REKOGNITION_DENY_LIST_THRESHOLD <= 100
    and 1 <= IMAGESIFT_REKOGNITION_MAX_RESULTS <= 500
):
    raise ImproperlyConfigured(
        "IMAGESIFT_REKOGNITION_MATCH_THRESHOLD and _DENY_LIST_THRESHOLD: 0-100; "
        "IMAGESIFT_REKOGNITION_MAX_RESULTS: 1-500."
    )
# The quality bar Rekognition applies before indexing or searching a face.
IMAGESIFT_REKOGNITION_QUALITY_FILTER = env_str(
    "IMAGESIFT_REKOGNITION_QUALITY_FILTER", "AUTO"
).upper()
if IMAGESIFT_REKOGNITION_QUALITY_FILTER not in {"NONE", "AUTO", "LOW", "MEDIUM", "HIGH"}:
    raise ImproperlyConfigured("IMAGESIFT_REKOGNITION_QUALITY_FILTER: NONE|AUTO|LOW|MEDIUM|HIGH.")
# Match people by Rekognition user vectors (all of a person's photos at once, SearchUsersByImage)
# rather than face by face (SearchFacesByImage).
IMAGESIFT_REKOGNITION_USE_USERS = env_bool("IMAGESIFT_REKOGNITION_USE_USERS", True)
# botocore's retries of throttled and failed calls (with backoff), and its timeouts in seconds.
IMAGESIFT_AWS_RETRY_MODE = env_str("IMAGESIFT_AWS_RETRY_MODE", "standard").lower()
if IMAGESIFT_AWS_RETRY_MODE not in {"standard", "adaptive"}:
    raise ImproperlyConfigured("IMAGESIFT_AWS_RETRY_MODE: standard|adaptive.")
IMAGESIFT_AWS_MAX_ATTEMPTS = env_int("IMAGESIFT_AWS_MAX_ATTEMPTS", 3)
IMAGESIFT_AWS_TIMEOUT = env_float("IMAGESIFT_AWS_TIMEOUT", 10.0)

# --- analysis ---------------------------------------------------------------------------------
# Defaults of an image analysis; a request may ask for others (min_confidence, max_labels).
IMAGESIFT_LABELS_MIN_CONFIDENCE = env_float("IMAGESIFT_LABELS_MIN_CONFIDENCE", 80.0)
IMAGESIFT_LABELS_MAX_LABELS = env_int("IMAGESIFT_LABELS_MAX_LABELS", 25)
IMAGESIFT_MODERATION_MIN_CONFIDENCE = env_float("IMAGESIFT_MODERATION_MIN_CONFIDENCE", 50.0)
IMAGESIFT_TEXT_MIN_CONFIDENCE = env_float("IMAGESIFT_TEXT_MIN_CONFIDENCE", 80.0)
IMAGESIFT_ANALYSIS_MAX_FACES = env_int("IMAGESIFT_ANALYSIS_MAX_FACES", 20)
if not (
    0 <= IMAGESIFT_LABELS_MIN_CONFIDENCE <= 100
    and 0 <= IMAGESIFT_MODERATION_MIN_CONFIDENCE <= 100
    and 0 <= IMAGESIFT_TEXT_MIN_CONFIDENCE <= 100
    and 1 <= IMAGESIFT_LABELS_MAX_LABELS <= 1000
    and 1 <= IMAGESIFT_ANALYSIS_MAX_FACES <= 100
):
    raise ImproperlyConfigured(
        "IMAGESIFT_*_MIN_CONFIDENCE: 0-100; IMAGESIFT_LABELS_MAX_LABELS: 1-1000; "
        "IMAGESIFT_ANALYSIS_MAX_FACES: 1-100."
    )

# --- background work --------------------------------------------------------------------------
# Photos and analyses still waiting after this many minutes, or whose work started that long ago
# and never finished, are queued again by a scheduled sweep, this many at a time each sweep.
IMAGESIFT_STALE_TASK_MINUTES = env_int("IMAGESIFT_STALE_TASK_MINUTES", 10)
IMAGESIFT_STALE_TASK_BATCH = env_int("IMAGESIFT_STALE_TASK_BATCH", 200)
if IMAGESIFT_STALE_TASK_MINUTES < 1 or IMAGESIFT_STALE_TASK_BATCH < 1:
    raise ImproperlyConfigured("IMAGESIFT_STALE_TASK_MINUTES and _BATCH: 1 or more.")

# --- notifications ----------------------------------------------------------------------------
# The outbox (README, "Events"): each delivery is retried with backoff for this many hours.
IMAGESIFT_NOTIFICATION_MAX_HOURS = env_int("IMAGESIFT_NOTIFICATION_MAX_HOURS", 24)
IMAGESIFT_WEBHOOK_TIMEOUT_SECONDS = env_float("IMAGESIFT_WEBHOOK_TIMEOUT_SECONDS", 5.0)
# Who is emailed when a person on the deny list (or possibly on it) is verified.
IMAGESIFT_SECURITY_EMAILS = env_list("IMAGESIFT_SECURITY_EMAILS")
# An MQTT broker to publish every event to (`mqtt://user:password@host:1883/<topic prefix>`,
# `mqtts://` for TLS); empty: none.
IMAGESIFT_MQTT_URL = env_str("IMAGESIFT_MQTT_URL")
if IMAGESIFT_MQTT_URL and not IMAGESIFT_MQTT_URL.startswith(("mqtt://", "mqtts://")):
    raise ImproperlyConfigured("IMAGESIFT_MQTT_URL: mqtt://host:port/prefix or mqtts://…")
# Email through SMTP (Django's settings, from the environment); without EMAIL_HOST, emails are
# written to the log (the console backend) instead.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ImageSift <imagesift@localhost>")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)

# --- uploads ----------------------------------------------------------------------------------
IMAGESIFT_MAX_UPLOAD_MB = env_float("IMAGESIFT_MAX_UPLOAD_MB", 15.0)
IMAGESIFT_MIN_IMAGE_PX = env_int("IMAGESIFT_MIN_IMAGE_PX", 80)
IMAGESIFT_MAX_IMAGE_PIXELS = env_int("IMAGESIFT_MAX_IMAGE_PIXELS", 40_000_000)
IMAGESIFT_PROBE_RETENTION_DAYS = env_int("IMAGESIFT_PROBE_RETENTION_DAYS", 30)
# Days a rejected enrolment photo (no face, poor quality, no consent) is kept after it was last
# tried, to be seen and fixed; then the daily purge deletes it. 0 keeps them.
IMAGESIFT_REJECTED_PHOTO_RETENTION_DAYS = env_int("IMAGESIFT_REJECTED_PHOTO_RETENTION_DAYS", 30)
# The liveness challenge (a burst of frames of the head turning): `off`; `advisory` (checked and
# recorded when frames are sent); `required` (nobody is admitted without a passed check).
# The choices of both liveness settings (not itself from the environment).
IMAGESIFT_LIVENESS_POLICIES = ("off", "advisory", "required")
IMAGESIFT_LIVENESS = env_str("IMAGESIFT_LIVENESS", "advisory")
IMAGESIFT_LIVENESS_MAX_FRAMES = env_int("IMAGESIFT_LIVENESS_MAX_FRAMES", 30)
if IMAGESIFT_LIVENESS not in IMAGESIFT_LIVENESS_POLICIES:
    raise ImproperlyConfigured("IMAGESIFT_LIVENESS: off, advisory or required.")
# The same, at the unattended kiosk (/kiosk/): nobody there sees a photo held up to the camera.
IMAGESIFT_KIOSK_LIVENESS = env_str("IMAGESIFT_KIOSK_LIVENESS", "required")
if IMAGESIFT_KIOSK_LIVENESS not in IMAGESIFT_LIVENESS_POLICIES:
    raise ImproperlyConfigured("IMAGESIFT_KIOSK_LIVENESS: off, advisory or required.")
# --- visits -----------------------------------------------------------------------------------
# A visitor verified inside their visit's window is checked in by the verification itself
# (otherwise the desk presses Check in).
IMAGESIFT_AUTO_CHECK_IN = env_bool("IMAGESIFT_AUTO_CHECK_IN", False)
# Minutes after a visit's end before the sweep checks a visitor out (or marks a visit nobody
# came to as a no-show).
IMAGESIFT_CHECK_OUT_GRACE_MINUTES = env_int("IMAGESIFT_CHECK_OUT_GRACE_MINUTES", 60)
# Days after a visitor's last visit ends before their faces leave the collection, and before
# their identifying details are erased (the visits stay, for the counts). 0 keeps them.
IMAGESIFT_VISITOR_FACE_RETENTION_DAYS = env_int("IMAGESIFT_VISITOR_FACE_RETENTION_DAYS", 30)
IMAGESIFT_VISITOR_RETENTION_DAYS = env_int("IMAGESIFT_VISITOR_RETENTION_DAYS", 365)
# The privacy notice a visitor reads before enrolling through their invitation
# (templates/visits/privacy_notice.html): its version is recorded with their consent.
IMAGESIFT_PRIVACY_NOTICE_VERSION = env_str("IMAGESIFT_PRIVACY_NOTICE_VERSION", "2026-12")
# The site's address in invitation emails (the link is built on it), e.g. https://desk.example.com
IMAGESIFT_PUBLIC_URL = env_str("IMAGESIFT_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

# Django refuses request bodies above this in memory; the image check gives the clear error.
DATA_UPLOAD_MAX_MEMORY_SIZE = int((IMAGESIFT_MAX_UPLOAD_MB + 1) * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# --- api --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env_int("IMAGESIFT_API_PAGE_SIZE", 50),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # 429 with Retry-After past the rate: per token (or session), and per address for requests
    # without either. Counted in the cache: per process, unless CACHES names a shared one.
    "DEFAULT_THROTTLE_CLASSES": ["core.api.PerUserRate", "core.api.PerAddressRate"],
}
IMAGESIFT_API_RATE = env_str("IMAGESIFT_API_RATE", "600/minute")
# How long the answer to a POST with an Idempotency-Key is kept, to give again to a retry.
IMAGESIFT_IDEMPOTENCY_HOURS = env_int("IMAGESIFT_IDEMPOTENCY_HOURS", 24)
IMAGESIFT_API_ANONYMOUS_RATE = env_str("IMAGESIFT_API_ANONYMOUS_RATE", "60/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "ImageSift API",
    "DESCRIPTION": "Face verification for access control, and the people it knows.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its Swagger UI are for holders of a role, like the rest of the API.
    "SERVE_PERMISSIONS": ["accounts.roles.HasRole"],
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.document_error_responses",
        "notifications.schema.add_event_components",
        "imagesift.api_docs.tag_by_resource",
    ],
    # Names of the choice sets that several resources have a field of the same name for.
    "ENUM_NAME_OVERRIDES": {
        "VisitStatusEnum": "visits.models.Visit.Status",
        "AnalysisStatusEnum": "insight.models.ImageAnalysis.Status",
    },
    # Swagger UI's files come from the drf-spectacular-sidecar package, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- security ---------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# HTTPS only, outside development: plain HTTP is redirected, and browsers told (HSTS) to never
# use it for this host and its subdomains.
SECURE_SSL_REDIRECT = env_bool("IMAGESIFT_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("IMAGESIFT_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("IMAGESIFT_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("IMAGESIFT_HSTS_PRELOAD", True)
if env_bool("IMAGESIFT_TRUST_X_FORWARDED_PROTO", False):  # behind a proxy that sets it
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy (django-csp): scripts, styles and everything else from this site only;
# images also from blob: (previews) and the S3 bucket (presigned links); no framing at all.
PRESIGNED_IMAGE_HOSTS = (
    [IMAGESIFT_S3_ENDPOINT_URL or "https://*.amazonaws.com"] if IMAGESIFT_S3_BUCKET else []
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],  # boxes placed over an image by percentages
        "img-src": ["'self'", "data:", "blob:", *PRESIGNED_IMAGE_HOSTS],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Sign-in attempts (django-axes): after this many failures for one user name from one address,
# that pair is locked out (429, Retry-After) for the cool-off time.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("IMAGESIFT_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("IMAGESIFT_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "imagesift.errors.login_locked"
AXES_VERBOSE = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
