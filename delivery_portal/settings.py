"""Settings for Delivery Portal.

One module, configured from the environment only (12-factor). Every knob that differs
between a laptop and production is an environment variable with a safe default; the
README lists them.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab  # noqa: F401  (kept handy for beat entries)
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str(
    "SECRET_KEY",
    # Only good for local runs and tests; production must set SECRET_KEY. The "django-insecure-"
    # prefix makes `manage.py check --deploy` fail (security.W009) when it was forgotten.
    default="django-insecure-dev-key-only-for-local-runs-and-tests-0123456789abcdefghijklmnop",
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_TZ = True
USE_I18N = False
LANGUAGE_CODE = "en-gb"
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo")
# Absolute address of the portal, used in e-mails, webhooks and calendar feeds.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "simple_history",
    "axes",
    "csp",
    # Our apps. Dependency direction: sla <- changes, incidents <- releases, deployments <- insights.
    "delivery_portal",
    "sla",
    "changes",
    "releases",
    "deployments",
    "incidents",
    "insights",
    # Integrations (issue 15): single sign-on, profile and API identity; Slack.
    "accounts",
    "slack_integration",  # not "slack": slack-sdk installs a package of that name
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "delivery_portal.middleware.RejectNulInQueryMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "delivery_portal.middleware.PortalLoginRequiredMiddleware",
    "delivery_portal.middleware.SessionActivityMiddleware",
    "delivery_portal.middleware.ReadOnlyViewerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "delivery_portal.urls"
WSGI_APPLICATION = "delivery_portal.wsgi.application"

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
                "csp.context_processors.nonce",
                "delivery_portal.context_processors.portal",
            ],
            "builtins": ["template_partials.templatetags.partials", "delivery_portal.templatetags.options"],
        },
    }
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and IMMEDIATE transactions let the web server and the Celery worker share the
    # embedded database without "database is locked" errors.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache -------------------------------------------------------------------------------
# The page caches (insights/cache.py): local memory in each process by default. In production
# CACHE_URL=redis://127.0.0.1:6379/1 shares them between the gunicorn workers, so a result is
# computed once per period for all of them and a write drops it everywhere.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
DORA_CACHE_SECONDS = env.int("DORA_CACHE_SECONDS", default=300)
BUDGET_PANEL_CACHE_SECONDS = env.int("BUDGET_PANEL_CACHE_SECONDS", default=60)

# --- Auth, sessions and login rate limiting ---------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # must be first: it refuses locked-out logins
    "accounts.backends.LocalPasswordBackend",  # Django's passwords, as LOCAL_LOGIN allows
    "accounts.backends.PortalOIDCBackend",  # single sign-on; does nothing unless OIDC_* is set
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
# Single sign-on (accounts/, docs/integrations.md): on when the issuer, client id and secret
# are set; the endpoints come from <OIDC_ISSUER>/.well-known/openid-configuration.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="")
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_SCOPES = env.str("OIDC_SCOPES", default="openid email profile")
OIDC_ROLE_CLAIM = env.str("OIDC_ROLE_CLAIM", default="groups")
OIDC_ROLE_MAP = env.str("OIDC_ROLE_MAP", default="")  # idp-group=portal_role,...
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="single sign-on")
OIDC_SIGN_ALGO = env.str("OIDC_SIGN_ALGO", default="RS256")
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10.0)
# false: no password form; only superusers (break-glass) may still use a password (?local=1).
LOCAL_LOGIN = env.bool("LOCAL_LOGIN", default=True)
# mozilla-django-oidc's own knobs: PKCE, client_secret_basic at the token endpoint.
OIDC_USE_PKCE = True
OIDC_TOKEN_USE_BASIC_AUTH = True
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Sessions end after this much inactivity. The expiry is pushed by SessionActivityMiddleware
# at most once every SESSION_REFRESH_SECONDS (not an UPDATE on every request).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=8 * 3600)
SESSION_REFRESH_SECONDS = env.int("SESSION_REFRESH_SECONDS", default=60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_HTTPONLY = True  # htmx reads the token from hx-headers, never from the cookie

# --- Security headers -----------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start without it
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "delivery_portal.storage.StaticStorage"},
}

# --- Mail and outbound webhooks ---------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Delivery Portal <portal@localhost>")
# Webhook bodies are signed with HMAC-SHA256 of this secret (header X-Portal-Signature).
WEBHOOK_SECRET = env.str("WEBHOOK_SECRET", default=SECRET_KEY)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
# Hosts or CIDRs that outbound URLs may point at although they are internal
# (delivery_portal/outbound.py): e.g. "prometheus.internal,10.20.0.0/16".
OUTBOUND_ALLOWED_HOSTS = env.list("OUTBOUND_ALLOWED_HOSTS", default=[])

# Slack (slack_integration/, docs/integrations.md): slash commands and buttons are verified with the
# signing secret; the bot token is only needed for the reject button's comment dialog.
SLACK_SIGNING_SECRET = env.str("SLACK_SIGNING_SECRET", default="")
SLACK_BOT_TOKEN = env.str("SLACK_BOT_TOKEN", default="")
SLACK_API_URL = env.str("SLACK_API_URL", default="https://slack.com/api/")

# --- Celery -----------------------------------------------------------------------------
# The embedded default is kombu's filesystem transport: no broker server needed.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
_broker_dir = VAR_DIR / "celery" / "broker"
if CELERY_BROKER_URL.startswith("filesystem"):
    # The embedded transport needs its folders before the first message is published.
    _broker_dir.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "processed").mkdir(parents=True, exist_ok=True)
    # kombu keeps its exchange table here; its default is "control" in the working directory.
    (VAR_DIR / "celery" / "control").mkdir(parents=True, exist_ok=True)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": 3600}
)
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True  # a task killed half-way is delivered again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
# Publish enqueued work right after the transaction commits. Off in most tests, which
# run tasks themselves through delivery_portal.outbox.run_pending().
OUTBOX_PUBLISH_ON_COMMIT = env.bool("OUTBOX_PUBLISH_ON_COMMIT", default=True)
CELERY_BEAT_SCHEDULE = {
    # Publishes outbox rows that could not be published when they were written
    # (broker down): nothing enqueued is lost.
    "outbox-relay": {"task": "delivery_portal.tasks.relay_outbox", "schedule": 30.0},
    "sla-recompute-budgets": {"task": "sla.tasks.recompute_budgets", "schedule": 60.0},
    "incidents-status-update-reminders": {
        "task": "incidents.tasks.remind_overdue_status_updates",
        "schedule": 60.0,
    },
    "incidents-postmortem-reminders": {
        "task": "incidents.tasks.remind_overdue_postmortems",
        "schedule": 3600.0,
    },
    "changes-emergency-review-reminders": {
        "task": "changes.tasks.remind_overdue_emergency_reviews",
        "schedule": 3600.0,
    },
    "releases-comms-reminders": {"task": "releases.tasks.remind_overdue_comms", "schedule": 3600.0},
    "deployments-advance-due": {"task": "deployments.tasks.advance_due_rollouts", "schedule": 30.0},
    "housekeeping-prune": {"task": "delivery_portal.tasks.housekeeping_prune", "schedule": 86400.0},
}
# Housekeeping (delivery_portal/housekeeping.py): how long rows that only grow are kept.
SNAPSHOT_RETENTION_DAYS = env.int("SNAPSHOT_RETENTION_DAYS", default=400)
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=7)

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "accounts.authentication.BearerTokenAuthentication",  # Authorization: Bearer <key>
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "delivery_portal.api.permissions.RolePermission",
    ],
    "DEFAULT_PAGINATION_CLASS": "delivery_portal.api.pagination.PortalPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "delivery_portal.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Delivery Portal API",
    "DESCRIPTION": "Releases, deployments, changes, incidents, SLAs and DORA metrics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Several models have a `state`; name each set of choices after its model.
    "ENUM_NAME_OVERRIDES": {
        "DeploymentStateEnum": "deployments.models.DeploymentState",
        "DoraLevelEnum": "insights.domain.levels.LEVELS",
        "StrategyEnum": "delivery_portal.strategy_guide.Strategy",
        "DeploymentStrategyEnum": "deployments.models.DEPLOYMENT_STRATEGIES",
    },
}

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Logins, failed logins and denied actions.
        "portal.security": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
    },
}

# --- DORA metrics -------------------------------------------------------------------------
# Level boundaries (insights/domain/levels.py reads them). Deployment frequency in deployments per
# day (elite above 1/day, high at least weekly, medium at least monthly, low below); lead
# time and MTTR in hours (elite/high/medium strictly under the bound, low otherwise);
# change failure rate a fraction (elite under 5%, high up to 10%, medium up to 15%).
DORA_THRESHOLDS = {
    "deployment_frequency_per_day": {"elite": 1.0, "high": 1 / 7, "medium": 1 / 30},
    "lead_time_hours": {"elite": 1.0, "high": 24.0 * 7, "medium": 24.0 * 30},
    "change_failure_rate": {"elite": 0.05, "high": 0.10, "medium": 0.15},
    "mttr_hours": {"elite": 1.0, "high": 24.0, "medium": 24.0 * 7},
}
