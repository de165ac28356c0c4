"""Settings for every environment, read from environment variables.

With no variable set the app runs in production mode and refuses to start without
DJANGO_SECRET_KEY, and demo data is refused: a deploy that forgets a variable fails closed.
Development asks for debug with DJANGO_DEBUG=true (`make demo`, the tests and CI do). Without
DATABASE_URL and CELERY_BROKER_URL the app runs embedded: SQLite, Celery tasks executed in-process,
e-mail printed to the console. Production sets DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS,
DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis).
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# Production unless debug is asked for (fail closed).
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Outside debug the key must be given: a missing key fails loudly instead of using a known one.
SECRET_KEY = (
    env.str("DJANGO_SECRET_KEY", default="insecure-local-development-key-change-me-0123456789")
    if DEBUG
    else env.str("DJANGO_SECRET_KEY")
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # API tokens that expire and can be revoked (council.ApiToken), stored as digests only.
    "knox",
    # Login throttling and lockout (the AXES_* settings below).
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    # Plumbing with one table: requests done once (Idempotency-Key, one-time form tokens).
    "common",
    "audit",
    "council",
    "inventory",
    "usecases",
    "reviews",
    "registry",
    "oversight",
    # Outbound webhooks, Slack and Teams (audit events become deliveries in an outbox).
    "integrations",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language on the translated pages (TRANSLATED_PATHS), English elsewhere.
    "common.languages.TranslatedPagesLanguage",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "council.context.navigation",
                "council.context.sign_in",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Persistent connections: opening one per request costs more than the request in small views.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite as a real embedded database. IMMEDIATE: a transaction takes the write lock when it
    # begins, so a concurrent writer waits (up to `timeout` seconds) instead of failing with
    # "database is locked" when its read turns into a write. WAL: readers never wait for the
    # writer; synchronous=NORMAL is durable in WAL mode except on power loss. (On the tests'
    # in-memory database WAL is a no-op.)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **DATABASES["default"].get("OPTIONS", {}),
    }
# Django's backends, which append a transaction's audit events to the chain as it commits
# (audit/backends): the chain's lock is then held for the append alone.
DATABASES["default"]["ENGINE"] = {
    "django.db.backends.sqlite3": "audit.backends.sqlite3",
    "django.db.backends.postgresql": "audit.backends.postgresql",
}[DATABASES["default"]["ENGINE"]]
if DATABASES["default"]["ENGINE"] == "audit.backends.sqlite3":
    # Tests on SQLite run in memory, as with Django's own engine name (which pytest-django
    # recognises: with another name it would suffix a file name for each worker).
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", ":memory:")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# On PostgreSQL the tables belong to an owner role that runs the migrations; the application
# connects as another role, named here, which `migrate` grants every privilege it needs and no
# more: on the audit trail only INSERT and SELECT (audit/roles.py). Empty: no grants are made.
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default="")

# The audit trail's signed checkpoints (audit/checkpoints.py): the installation's Ed25519 key
# (a PEM file, created on first use in development only) and the witness file they are appended
# to, outside the database. Production must name both, and keep them apart from the database
# and its backups (the witness, ideally, on write-once storage). A witness belongs to one
# database: development keeps one per database it is pointed at.
_VAR = BASE_DIR / "var"
_DATABASE_LABEL = "{}-{}".format(
    DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1], Path(str(DATABASES["default"]["NAME"])).stem
)
AUDIT_SIGNING_KEY = (
    env.str("AUDIT_SIGNING_KEY", default=str(_VAR / "audit-signing-key.pem"))
    if DEBUG
    else env.str("AUDIT_SIGNING_KEY")
)
AUDIT_SIGNING_KEY_GENERATE = DEBUG
AUDIT_WITNESS_PATH = (
    env.str("AUDIT_WITNESS_PATH", default=str(_VAR / f"audit-witness-{_DATABASE_LABEL}.jsonl"))
    if DEBUG
    else env.str("AUDIT_WITNESS_PATH")
)

# Single sign-on with the company's OpenID Connect provider (council/sso.py): on once
# OIDC_RP_CLIENT_ID is set. People sign in with their company account; their account here is
# made on the first sign-in; the provider's groups named in SSO_GROUP_MAP give them teams and
# council roles (from the day they sign in; a group gone ends what it gave). Local passwords
# stay on in debug, and otherwise only without SSO, unless PASSWORD_LOGIN says.
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
SSO_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
OIDC_USE_PKCE = True
OIDC_USERNAME_CLAIM = env.str("OIDC_USERNAME_CLAIM", default="preferred_username")
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
# {"provider group": "role:<council role>" | "team:<team name>"}, as JSON.
SSO_GROUP_MAP: dict[str, str] = env.json("SSO_GROUP_MAP", default={})
SSO_PROVIDER_NAME = env.str("SSO_PROVIDER_NAME", default="your company account")
PASSWORD_LOGIN = env.bool("PASSWORD_LOGIN", default=DEBUG or not SSO_ENABLED)
LOGIN_REDIRECT_URL_FAILURE = "login"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username and address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    *(["django.contrib.auth.backends.ModelBackend"] if PASSWORD_LOGIN else []),
    *(["council.sso.CouncilOidcBackend"] if SSO_ENABLED else []),
    "guardian.backends.ObjectPermissionBackend",
]
# guardian creates an AnonymousUser row; anonymous visitors never hold object permissions here.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes). A username is locked from one address after
# AXES_FAILURE_LIMIT failures in a row, for the cool-off: by the pair, not by the address alone
# (colleagues behind one office gateway are not locked out together) nor the username alone
# (someone elsewhere cannot lock a person out by guessing on purpose). Further tries during the
# lockout do not extend it. An administrator unlocks in the admin (Access attempts) or with
# `manage.py axes_reset_username USERNAME`.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "council.accounts.lockout_page"
AXES_VERBOSE = False  # no banner on every manage.py command; failures are still logged
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
# The public transparency pages are written for gettext and complete in these languages
# (locale/), chosen by the browser's Accept-Language; the staff pages are English.
LANGUAGES = [("en-gb", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TRANSLATED_PATHS = ["/transparency/"]
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Attachments are private: they are served by a view that checks permissions, never by URL.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.path("MEDIA_ROOT", default=BASE_DIR / "media")},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# seed_demo creates users with a known password: refused in production unless allowed here.
# Where the organisation is established (ISO 3166-1 alpha-2): whether the EU AI Act and other EU
# law reach a use case depends on it and on the use case's markets (EU AI Act Art. 2(1)).
ORGANISATION_COUNTRY = env.str("ORGANISATION_COUNTRY", default="IE").upper()

DEMO_DATA_ALLOWED = env.bool("DEMO_DATA_ALLOWED", default=DEBUG)
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# The SMTP backend's server (Django's names); the file backend's folder.
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ai-council@localhost")
# The address people reach the app on (scheme and host, e.g. https://ai-council.example.com):
# links from webhooks and chat messages into the app start with it (paths alone when not set).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000" if DEBUG else "")
# Outbound webhooks (integrations/outbox.py): how long one request may take, and how many
# attempts (backing off 1, 2, 4 … minutes, at most an hour) before a delivery is marked failed.
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
# Whether webhooks may go to loopback, private or link-local addresses (integrations.addresses):
# a receiver inside the organisation's own network. Off in production unless set.
WEBHOOK_PRIVATE_ADDRESSES = env.bool("WEBHOOK_PRIVATE_ADDRESSES", default=DEBUG)
# A mail server that hangs fails the attempt instead of holding its worker: seconds.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Notification e-mails (council/outbox.py): a sender holds one for the lease (longer than
# EMAIL_TIMEOUT) before another may send it again; failed attempts back off, then it is given up.
NOTIFICATION_EMAIL_LEASE_SECONDS = env.int("NOTIFICATION_EMAIL_LEASE_SECONDS", default=120)
NOTIFICATION_EMAIL_MAX_ATTEMPTS = env.int("NOTIFICATION_EMAIL_MAX_ATTEMPTS", default=8)

# Celery: without a broker, tasks run in-process so a newcomer needs no server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, str | int] = {}  # by transport, below
if CELERY_BROKER_URL == "filesystem://":
    # The embedded scheduler (`make scheduler`): beat and a worker pass messages through files.
    _BROKER_DIR = BASE_DIR / ".celery-broker"
    for _folder in ("out", "processed", "control"):
        (_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "out"),
        "data_folder_out": str(_BROKER_DIR / "out"),
        "data_folder_processed": str(_BROKER_DIR / "processed"),
        "control_folder": str(_BROKER_DIR / "control"),
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A Redis that does not answer costs a request seconds, not minutes (the sweep sends later).
    # Above the 1 s a worker waits on an empty queue (kombu's polling_interval).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 3}
# The cache holds the dashboard's snapshots (oversight.snapshots), shared by the web processes
# that show them and the workers that refresh them: the workers' Redis in production, files
# under var/ when embedded. Keys carry the database's name, so two databases never mix.
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    _CACHE = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str("CACHE_URL", default=CELERY_BROKER_URL),
    }
else:
    _CACHE = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(_VAR / "cache"),
    }
CACHES = {"default": {**_CACHE, "KEY_PREFIX": str(DATABASES["default"]["NAME"])}}
# How long the dashboard shows a snapshot before a worker computes the next (seconds).
DASHBOARD_MAX_AGE_SECONDS = env.int("DASHBOARD_MAX_AGE_SECONDS", default=300)

# Queueing after a commit tries the broker twice at most, then leaves the e-mail to the sweep.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = TIME_ZONE
# The daily jobs, as a cron expression (minute hour day month weekday), by default 06:00.
_DAILY = dict(
    zip(
        ("minute", "hour", "day_of_month", "month_of_year", "day_of_week"),
        env.str("DAILY_TASKS_CRONTAB", default="0 6 * * *").split(),
        strict=True,
    )
)
CELERY_BEAT_SCHEDULE = {
    "review-reminders": {
        "task": "council.tasks.send_review_reminders",
        "schedule": crontab(**_DAILY),
    },
    "registry-re-reviews": {
        "task": "council.tasks.registry_rereview_sweep",
        "schedule": crontab(**_DAILY),
    },
    "vendor-lapses": {
        "task": "registry.tasks.vendor_lapse_sweep",
        "schedule": crontab(**_DAILY),
    },
    # Every hour: a signed checkpoint of the audit chain head (audit/checkpoints.py).
    "audit-checkpoint": {
        "task": "audit.tasks.write_checkpoint",
        "schedule": crontab(minute=0),
    },
    # Every minute: the notification e-mails (council/outbox.py) and the webhook deliveries
    # (integrations/outbox.py) a queued task missed. A sweep still waiting when the next is due
    # is dropped.
    "notification-emails": {
        "task": "council.tasks.deliver_pending_notifications",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "webhook-deliveries": {
        "task": "integrations.tasks.deliver_pending_webhooks",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Tokens first: a request with an expired or revoked token answers 401 (WWW-Authenticate).
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "common.api.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # drf-spectacular's, declaring the Idempotency-Key header of the POSTs that honour it.
    "DEFAULT_SCHEMA_CLASS": "common.schema.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    # JSON nested deeper than common.limits.JSON_DEPTH_MAX is a 400 (common.parsers.JSONParser).
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
# API tokens (`POST /api/v1/auth/token/`): they expire, logging out revokes them, their owner
# lists and revokes them (council/tokens.py). Only a digest of each token is stored.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=10)
KNOX_TOKEN_MODEL = "council.ApiToken"
# knox's own migrations would create its default token table even though council.ApiToken
# replaces it (a table that then blocks flushing the users' table): they are not run.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {"TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS), "AUTH_HEADER_PREFIX": "Token"}

# Content-Security-Policy (django-csp): only this site's own scripts, styles and images; no
# inline script, no plugin, no framing, forms post here only. The API docs run under it
# (SpectacularSwaggerSplitView serves their start-up script as a file).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "AI governance council API",
    "DESCRIPTION": "Intake, council review, registry and audit trail of AI use cases.",
    "VERSION": "1.0.0",
    "COMPONENT_SPLIT_REQUEST": True,
    # Stable names for enumerations shared by several resources.
    "ENUM_NAME_OVERRIDES": {
        "UseCaseStateEnum": "usecases.choices.State",
        "RiskTierEnum": "usecases.choices.RiskTier",
        "CouncilRoleEnum": "council.models.CouncilRole",
        "ReviewStateEnum": "reviews.models.ReviewState",
        "OutcomeEnum": "reviews.models.Outcome",
        "IncidentStatusEnum": "registry.models.IncidentStatus",
        "ConditionStatusEnum": "reviews.models.ConditionStatus",
    },
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from our own static files: the docs work without reaching a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Every operation lists the error answers it may give (400, 401, 403, 404, 409).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.api.document_error_answers",
        # POSTs that take an Idempotency-Key list its 422 answer.
        "common.schema.document_idempotency_key",
    ],
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # One line per in-process task is noise on the embedded default; workers log their own.
    "loggers": {
        "celery.app.trace": {"level": env.str("CELERY_TRACE_LOG_LEVEL", default="WARNING")},
        # The PDF renderer reports every stylesheet rule it skips; only its errors matter here.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
        # django-axes logs every login and reset at INFO; lockouts are warnings (and audited).
        "axes": {"level": env.str("AXES_LOG_LEVEL", default="WARNING")},
    },
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# The organisation the public transparency pages speak for (SPEC section 9): its name, how a
# customer reaches it (an e-mail address or a URL) and its privacy notice; its postal address
# goes into the EU database records (`format=eu_db`, Annex VIII point 1). Demo values in debug;
# production sets them (the pages leave out what is not set).
_DEMO_ORGANISATION = {
    "ORGANISATION_NAME": "Demo Telecom",
    "ORGANISATION_CONTACT": "ai-questions@demo-telecom.example",
    "ORGANISATION_PRIVACY_URL": "https://demo-telecom.example/privacy",
    "ORGANISATION_ADDRESS": "1 Demo Street, Dublin 2, Ireland",
}
ORGANISATION_NAME, ORGANISATION_CONTACT, ORGANISATION_PRIVACY_URL, ORGANISATION_ADDRESS = (
    env.str(name, default=demo if DEBUG else "") for name, demo in _DEMO_ORGANISATION.items()
)
# Complaints and contests a customer address may send per hour from the public pages.
COMPLAINTS_PER_HOUR = env.int("COMPLAINTS_PER_HOUR", default=5)
