"""Settings for the Delta Center hub, all read from the environment (see README, "Configuration")."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from hub.env import env_bool, env_float, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = env_str(
    "SECRET_KEY", min_length=32, description="Signs sessions and tokens; 32+ characters (`make run` generates one)"
)
DEBUG = env_bool("DEBUG", default=False, description="Django's debug mode; never in production")
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", description="Comma-separated host names served; empty means 127.0.0.1 and localhost under DEBUG"
) or (["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", description="Comma-separated origins trusted for form posts (behind a TLS proxy)"
)
SITE_URL = env_url(
    "DELTACENTER_SITE_URL",
    ("http", "https"),
    default="http://127.0.0.1:8000",
    description="The hub's public address, used in the links its API returns",
)

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
    "pgtrigger",
    "drf_spectacular",
    "hub.core",
    "hub.accounts",
    "hub.deltas",
    "hub.evaluation",
    "hub.web",
    "drf_spectacular_sidecar",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Probes are answered before anything else runs: they cost a worker next to nothing, however many come.
    "hub.api.health.HealthProbeMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hub.core.middleware.ServerErrorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last: it answers a locked-out login before the view runs.
    "axes.middleware.AxesMiddleware",
]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

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
    # A database that does not answer fails a request in seconds instead of holding its worker.
    config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    return config


DATABASES = {
    "default": _database(
        env_url("DATABASE_URL", ("postgres", "postgresql"), description="`postgres://user:password@host:5432/dbname`")
    )
}
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
S3_ENDPOINT_URL = env_url("S3_ENDPOINT_URL", ("http", "https"), description="The S3 API the hub and workers use")
# Presigned URLs are signed for the host clients reach, which may differ from the one the hub uses.
S3_PUBLIC_ENDPOINT_URL = (
    env_url(
        "S3_PUBLIC_ENDPOINT_URL",
        ("http", "https"),
        default=None,
        description="The S3 address clients reach, when it differs from S3_ENDPOINT_URL (presigned URLs name it)",
    )
    or S3_ENDPOINT_URL
)
S3_BUCKET = env_str("S3_BUCKET", description="The bucket holding every file, addressed by sha256")
S3_ACCESS_KEY_ID = env_str("S3_ACCESS_KEY_ID", description="S3 access key")
S3_SECRET_ACCESS_KEY = env_str("S3_SECRET_ACCESS_KEY", description="S3 secret key")
S3_REGION = env_str("S3_REGION", default="us-east-1", description="S3 region the requests are signed for")
S3_PRESIGN_SECONDS = env_int(
    "S3_PRESIGN_SECONDS", default=900, minimum=30, description="Lifetime of presigned upload and download URLs"
)

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
CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL",
    ("redis", "rediss", "amqp", "amqps", "pyamqp"),
    description="The task queue: `redis://host:6379/0` or `amqp://...`",
)
CELERY_RESULT_BACKEND = env_str(
    "CELERY_RESULT_BACKEND",
    default=None,
    description="Where task results go; the broker when it is Redis, else `rpc://`",
) or (CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "rpc://")
CELERY_TASK_SOFT_TIME_LIMIT = env_int(
    "CELERY_TASK_SOFT_TIME_LIMIT",
    default=1500,
    minimum=1,
    description="Seconds before a task is told to stop; a validation then fails with `time_limit`",
)
CELERY_TASK_TIME_LIMIT = env_int(
    "CELERY_TASK_TIME_LIMIT",
    default=1800,
    minimum=1,
    description="Seconds before a task's process is killed; must exceed the soft limit",
)
if CELERY_TASK_TIME_LIMIT <= CELERY_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_TIME_LIMIT must be greater than CELERY_TASK_SOFT_TIME_LIMIT.")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A message that is not acked in time is handed to another worker, so this must exceed the longest job.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2}
CELERY_TASK_DEFAULT_QUEUE = env_str(
    "CELERY_TASK_DEFAULT_QUEUE", default="hub", description="The queue jobs are sent to and workers consume"
)
CELERY_RESULT_EXPIRES = 3600
CELERY_WORKER_SEND_TASK_EVENTS = False
# Every worker also consumes a queue of its own, so jobs can go to the worker that holds their backbone warm.
CELERY_WORKER_DIRECT = True
DELTACENTER_WORKER_BEAT_SECONDS = env_int(
    "DELTACENTER_WORKER_BEAT_SECONDS",
    default=15,
    minimum=1,
    description="How often a worker writes its heartbeat; silent for three periods, it counts as gone",
)
DELTACENTER_WARM_ROUTING_SECONDS = env_int(
    "DELTACENTER_WARM_ROUTING_SECONDS",
    default=600,
    minimum=0,
    description="How recently a worker must have loaded a backbone for its jobs to be routed to it",
)


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
DELTACENTER_VALIDATION_QUEUES = _memory_classes(
    env_list(
        "DELTACENTER_VALIDATION_QUEUES",
        description="Queues by the backbone memory their workers hold, `queue:MiB,...`; empty: one shared queue",
    )
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "hub.accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["hub.accounts.permissions.TokenScopes"],
    "DEFAULT_SCHEMA_CLASS": "hub.api.schema.HubAutoSchema",
    "EXCEPTION_HANDLER": "hub.api.errors.json_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_PARSER_CLASSES": [
        "hub.core.json_input.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["hub.core.json_input.WriteRateThrottle"],
    # Writes and registrations by one account (or one address, anonymously); reads are not limited.
    "DEFAULT_THROTTLE_RATES": {
        "uploads": env_str("DELTACENTER_RATE_UPLOADS", default="600/hour", description="Upload plans per account"),
        "commits": env_str("DELTACENTER_RATE_COMMITS", default="120/hour", description="Commits per account"),
        "backbones": env_str(
            "DELTACENTER_RATE_BACKBONES", default="60/hour", description="Backbone registrations per account"
        ),
        "likes": env_str("DELTACENTER_RATE_LIKES", default="300/hour", description="Likes per account"),
        "repos": env_str("DELTACENTER_RATE_REPOS", default="60/hour", description="Repositories created per account"),
    },
    # The address of a client behind this many proxies is the one they saw (X-Forwarded-For).
    "NUM_PROXIES": env_int(
        "DELTACENTER_NUM_PROXIES", default=0, minimum=0, description="Reverse proxies in front of the hub"
    )
    or None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Delta Center API",
    "DESCRIPTION": "Publish, find and download parameter-efficient fine-tuning deltas.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs pages' scripts and styles are served by the hub itself (drf-spectacular-sidecar), never a CDN.
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Choice sets several serializers share get one name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ValidationStateEnum": "hub.deltas.models.Delta.Validation",
        "ValidationJobStatusEnum": "hub.evaluation.models.ValidationJob.Status",
    },
}

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_LOG_LEVEL_HELP = f"Root log level: {', '.join(_LOG_LEVELS)}"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_str("LOG_LEVEL", default="INFO", choices=_LOG_LEVELS, description=_LOG_LEVEL_HELP),
    },
}

# Security headers on every answer; over HTTPS, secure cookies and HSTS too.
HTTPS = SITE_URL.startswith("https://")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = (
    env_bool("DELTACENTER_SSL_REDIRECT", default=True, description="Over HTTPS, redirect plain HTTP requests to HTTPS")
    and HTTPS
)
# Load balancers probe the web processes over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^api/health(/live)?$"]
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool(
    "DELTACENTER_BEHIND_TLS_PROXY",
    default=False,
    description="A reverse proxy terminates TLS and sets X-Forwarded-Proto; trust it",
):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Only this site's own scripts and styles; images also as data: URLs (card images from other hosts are not loaded).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Caches, rate limits and login lockouts share one store, so every web process counts the same hits: Redis when the
# broker is Redis, else CACHE_URL.
CACHE_URL = env_url(
    "CACHE_URL",
    ("redis", "rediss"),
    default=None,
    description="Redis for caches and rate limits; the broker when it is Redis",
) or (CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else None)
if CACHE_URL is None:
    raise ImproperlyConfigured("CACHE_URL must name a Redis server when CELERY_BROKER_URL is not Redis.")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": env_str(
            "DELTACENTER_CACHE_PREFIX", default="deltacenter", description="Prefix of every cache key in Redis"
        ),
        "TIMEOUT": 300,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
RATELIMIT_VIEW = "hub.web.views.common.rate_limited"
AXES_FAILURE_LIMIT = env_int(
    "DELTACENTER_LOGIN_FAILURES", default=10, minimum=1, description="Wrong passwords before a login is locked"
)
DELTACENTER_LOGIN_COOLOFF_MINUTES = env_int(
    "DELTACENTER_LOGIN_COOLOFF_MINUTES", default=15, minimum=1, description="Minutes a locked login waits"
)
AXES_COOLOFF_TIME = DELTACENTER_LOGIN_COOLOFF_MINUTES / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "hub.web.views.accounts.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_IPWARE_PROXY_COUNT = REST_FRAMEWORK["NUM_PROXIES"]
# Wrong API tokens from one address: after this many in ten minutes, 429 until the window passes.
DELTACENTER_TOKEN_FAILURES = env_int(
    "DELTACENTER_TOKEN_FAILURES", default=30, minimum=1, description="Unknown tokens one address may try in 10 min"
)

# Upload limits
DELTACENTER_MAX_BACKBONES_PER_ACCOUNT = env_int(
    "DELTACENTER_MAX_BACKBONES_PER_ACCOUNT",
    default=100,
    minimum=1,
    description="Backbones one account may register (site admins are not limited)",
)
DELTACENTER_MAX_FILES = env_int(
    "DELTACENTER_MAX_FILES", default=64, minimum=1, description="Most files in one delta version"
)
DELTACENTER_MAX_FILE_BYTES = env_int(
    "DELTACENTER_MAX_FILE_BYTES", default=50 * 1024**3, minimum=1, description="Largest file of a delta (50 GiB)"
)
DELTACENTER_MAX_BACKBONE_FILE_BYTES = env_int(
    "DELTACENTER_MAX_BACKBONE_FILE_BYTES",
    default=50 * 1024**3,
    minimum=1,
    description="Largest file of a backbone's weights, one shard of a sharded checkpoint (50 GiB)",
)
DELTACENTER_MAX_JSON_BYTES = env_int(
    "DELTACENTER_MAX_JSON_BYTES",
    default=1024**2,
    minimum=1024,
    description="Largest JSON request body and JSON file of a delta (1 MiB)",
)
DELTACENTER_MULTIPART_THRESHOLD = env_int(
    "DELTACENTER_MULTIPART_THRESHOLD",
    default=1024**3,
    minimum=5 * 1024**2,
    description="Files from this size on go up to S3 in parts (1 GiB)",
)
DELTACENTER_MULTIPART_PART_BYTES = env_int(
    "DELTACENTER_MULTIPART_PART_BYTES",
    default=64 * 1024**2,
    minimum=5 * 1024**2,
    description="Size of each part of a multipart upload (64 MiB; larger where a file would need over 10,000 parts)",
)
DELTACENTER_NAMESPACE_QUOTA_BYTES = env_int(
    "DELTACENTER_NAMESPACE_QUOTA_BYTES",
    default=1024**4,
    minimum=0,
    description="Bytes one user or organisation may store, each object counted once (1 TiB); 0 for no limit",
)
DELTACENTER_STORAGE_GRACE_SECONDS = env_int(
    "DELTACENTER_STORAGE_GRACE_SECONDS",
    default=24 * 3600,
    minimum=60,
    description="How long an object nothing references, or an unfinished upload, is kept before the sweep deletes it",
)
DELTACENTER_HF_INLINE_MAX_BYTES = env_int(
    "DELTACENTER_HF_INLINE_MAX_BYTES",
    default=512 * 1024**2,
    minimum=1024**2,
    description="Hugging Face clients send files up to this size inside the commit, larger ones by Git LFS (512 MiB)",
)

# Periodic tasks, run by `celery -A workers beat`.
DELTACENTER_VALIDATION_STALE_SECONDS = env_int(
    "DELTACENTER_VALIDATION_STALE_SECONDS",
    default=120,
    minimum=5,
    description="A running validation with no heartbeat for this long is re-queued",
)
DELTACENTER_VALIDATION_RESEND_SECONDS = env_int(
    "DELTACENTER_VALIDATION_RESEND_SECONDS",
    default=1800,
    minimum=60,
    description="A validation queued for this long is sent again",
)
CELERY_BEAT_SCHEDULE = {
    "reap-stale-validations": {
        "task": "workers.reap_stale_validations",
        "schedule": env_int(
            "DELTACENTER_REAPER_INTERVAL_SECONDS",
            default=60,
            minimum=5,
            description="How often beat looks for stale and long-queued validations",
        ),
    },
    "sweep-storage": {"task": "workers.sweep_storage", "schedule": 3600},
}

# Validation workers (the evaluator child gets what it needs on its command line and in its requests).
DELTACENTER_WORKER_CACHE = BASE_DIR / env_str(
    "DELTACENTER_WORKER_CACHE",
    default="var/worker-cache",
    description="Where workers keep backbones and evaluation data; relative paths are under the project",
)
DELTACENTER_WORKER_BACKBONE_MEMORY_MB = env_int(
    "DELTACENTER_WORKER_BACKBONE_MEMORY_MB",
    default=4096,
    minimum=1,
    description="Memory the evaluator may fill with warm backbones before it drops the least recent",
)
DELTACENTER_VALIDATION_HEARTBEAT_SECONDS = env_int(
    "DELTACENTER_VALIDATION_HEARTBEAT_SECONDS",
    default=15,
    minimum=1,
    description="How often a running validation reports that its worker is alive",
)
if DELTACENTER_VALIDATION_STALE_SECONDS <= 2 * DELTACENTER_VALIDATION_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "DELTACENTER_VALIDATION_STALE_SECONDS must exceed twice DELTACENTER_VALIDATION_HEARTBEAT_SECONDS,"
        " or the reaper re-queues validations that are still running."
    )
DELTACENTER_CLAIM_TOLERANCE = env_float(
    "DELTACENTER_CLAIM_TOLERANCE",
    default=0.02,
    minimum=0,
    description="How far a measured score may sit from the claimed one before the result is flagged",
)
DELTACENTER_EVAL_MEMORY_BYTES = env_int(
    "DELTACENTER_EVAL_MEMORY_BYTES",
    default=8 * 1024**3,
    minimum=1024**3,
    description="Address-space ceiling of the evaluator process (8 GiB; torch alone takes about 1 GiB)",
)
DELTACENTER_EVAL_TIMEOUT_SECONDS = env_int(
    "DELTACENTER_EVAL_TIMEOUT_SECONDS",
    default=900,
    minimum=1,
    description="How long one validation may spend evaluating, backbone load included",
)
# Fetching files before the evaluation and recording results after it happen inside the same task.
VALIDATION_FETCH_AND_RECORD_SECONDS = 120
if DELTACENTER_EVAL_TIMEOUT_SECONDS + VALIDATION_FETCH_AND_RECORD_SECONDS > CELERY_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"DELTACENTER_EVAL_TIMEOUT_SECONDS ({DELTACENTER_EVAL_TIMEOUT_SECONDS}) must stay at least"
        f" {VALIDATION_FETCH_AND_RECORD_SECONDS} s under CELERY_TASK_SOFT_TIME_LIMIT ({CELERY_TASK_SOFT_TIME_LIMIT})"
        " to leave time for fetching files and recording results."
    )
