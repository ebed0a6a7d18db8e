"""Settings for the Delta Center hub, all read from the environment (see README, "Configuration")."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from hub.env import env_bool, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = env_str("SECRET_KEY")
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long.")
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_url("DELTACENTER_SITE_URL", ("http", "https"), default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "hub.core",
    "hub.accounts",
    "hub.deltas",
    "hub.evaluation",
    "hub.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hub.urls"
WSGI_APPLICATION = "hub.wsgi.application"

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


def _database(url):
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
    if config.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")
    return config


DATABASES = {"default": _database(env_url("DATABASE_URL", ("postgres", "postgresql")))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Object store: every delta file lives in one S3 bucket, addressed by its sha256.
S3_ENDPOINT_URL = env_url("S3_ENDPOINT_URL", ("http", "https"))
# Presigned URLs are signed for the host clients reach, which may differ from the one the hub uses.
S3_PUBLIC_ENDPOINT_URL = env_url("S3_PUBLIC_ENDPOINT_URL", ("http", "https"), default=S3_ENDPOINT_URL)
S3_BUCKET = env_str("S3_BUCKET")
S3_ACCESS_KEY_ID = env_str("S3_ACCESS_KEY_ID")
S3_SECRET_ACCESS_KEY = env_str("S3_SECRET_ACCESS_KEY")
S3_REGION = env_str("S3_REGION", default="us-east-1")
S3_PRESIGN_SECONDS = env_int("S3_PRESIGN_SECONDS", default=900, minimum=30)

STORAGES = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": S3_ENDPOINT_URL,
            "access_key": S3_ACCESS_KEY_ID,
            "secret_key": S3_SECRET_ACCESS_KEY,
            "region_name": S3_REGION,
            "location": "media",
            "file_overwrite": False,
            "querystring_expire": S3_PRESIGN_SECONDS,
        },
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Celery: the broker is required; results go to Redis when the broker is Redis.
CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", ("redis", "rediss", "amqp", "amqps", "pyamqp"))
_default_backend = CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "rpc://"
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", default=_default_backend)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", default=1500, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", default=1800, minimum=1)
if CELERY_TASK_TIME_LIMIT <= CELERY_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_TIME_LIMIT must be greater than CELERY_TASK_SOFT_TIME_LIMIT.")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A message that is not acked in time is handed to another worker, so this must exceed the longest job.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2}
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", default="hub")
CELERY_RESULT_EXPIRES = 3600
CELERY_WORKER_SEND_TASK_EVENTS = False
# Every worker also consumes a queue of its own, so jobs can go to the worker that holds their backbone warm.
CELERY_WORKER_DIRECT = True
DELTACENTER_WARM_ROUTING_SECONDS = env_int("DELTACENTER_WARM_ROUTING_SECONDS", default=600, minimum=0)


def _memory_classes(items):
    """ "queue:MiB" pairs -> [(queue, bytes)], smallest first: a job goes to the smallest class holding its backbone."""
    classes = []
    for item in items:
        queue, _, mib = item.partition(":")
        if not queue.strip() or not mib.strip().isdigit() or int(mib) < 1:
            raise ImproperlyConfigured(
                f"DELTACENTER_VALIDATION_QUEUES must list queue:MiB pairs such as hub:4096,hub-80g:81920; got {item!r}."
            )
        classes.append((queue.strip(), int(mib) * 1024**2))
    return sorted(classes, key=lambda pair: pair[1])


# Validation queues by the backbone memory their workers hold; empty: every job goes to the default queue.
DELTACENTER_VALIDATION_QUEUES = _memory_classes(env_list("DELTACENTER_VALIDATION_QUEUES"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "hub.accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["hub.core.permissions.TokenScopes"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "hub.core.errors.json_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Delta Center API",
    "DESCRIPTION": "Publish, find and download parameter-efficient fine-tuning deltas.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = False
    SECURE_CONTENT_TYPE_NOSNIFF = True

# Upload limits
DELTACENTER_MAX_FILES = env_int("DELTACENTER_MAX_FILES", default=64, minimum=1)
DELTACENTER_MAX_FILE_BYTES = env_int("DELTACENTER_MAX_FILE_BYTES", default=4 * 1024**3, minimum=1)
DELTACENTER_MAX_BACKBONE_FILE_BYTES = env_int("DELTACENTER_MAX_BACKBONE_FILE_BYTES", default=20 * 1024**3, minimum=1)
DELTACENTER_MAX_JSON_BYTES = env_int("DELTACENTER_MAX_JSON_BYTES", default=1024**2, minimum=1024)
DELTACENTER_MULTIPART_THRESHOLD = env_int("DELTACENTER_MULTIPART_THRESHOLD", default=1024**3, minimum=5 * 1024**2)
DELTACENTER_MULTIPART_PART_BYTES = env_int(
    "DELTACENTER_MULTIPART_PART_BYTES", default=64 * 1024**2, minimum=5 * 1024**2
)

# Periodic tasks, run by `celery -A workers beat`.
DELTACENTER_VALIDATION_STALE_SECONDS = env_int("DELTACENTER_VALIDATION_STALE_SECONDS", default=120, minimum=5)
DELTACENTER_VALIDATION_RESEND_SECONDS = env_int("DELTACENTER_VALIDATION_RESEND_SECONDS", default=1800, minimum=60)
CELERY_BEAT_SCHEDULE = {
    "reap-stale-validations": {
        "task": "workers.reap_stale_validations",
        "schedule": env_int("DELTACENTER_REAPER_INTERVAL_SECONDS", default=60, minimum=5),
    },
    "sweep-abandoned-uploads": {"task": "workers.sweep_abandoned_uploads", "schedule": 3600},
}
