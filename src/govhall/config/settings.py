"""Settings, read from the environment; the embedded default (SQLite + SQLite huey) needs no variable.

Variables: DATABASE_URL, REDIS_URL, GOVHALL_VAR_DIR, SECRET_KEY(_FILE), GOVHALL_FIELD_KEY(_FILE),
DEBUG, ALLOWED_HOSTS, GOVHALL_AUDIT_RETENTION_DAYS, GOVHALL_SMS_BACKEND, GOVHALL_HUEY_IMMEDIATE.
See docs/operations.md.
"""

import json
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from govhall.config.env import env_bool, env_int, env_list, env_str

SRC_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = SRC_DIR.parent.parent
VAR_DIR = Path(env_str("GOVHALL_VAR_DIR", str(PROJECT_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _local_secret(name: str, env_name: str, nbytes: int) -> str:
    """A secret from the environment, or one generated once into var/ (never committed)."""
    value = env_str(env_name)
    if value:
        return value
    path = VAR_DIR / name
    if not path.exists():
        path.write_text(secrets.token_hex(nbytes), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _local_secret("secret_key", "SECRET_KEY", 32)
# Key for SM4 encryption of personal data at rest and for the keyed search digests beside it.
GOVHALL_FIELD_KEY = _local_secret("field_key", "GOVHALL_FIELD_KEY", 16)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", ["http://127.0.0.1:8000", "http://localhost:8000"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "govhall.core",
    "govhall.org",
    "govhall.catalog",
    "govhall.cases",
    "govhall.supervision",
    "govhall.ratings",
    "govhall.inquiries",
    "govhall.hall",
    "govhall.hall.queue",
    "govhall.staffing",
    "govhall.portal",
    "govhall.demo",
    "govhall.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "govhall.core.twofactor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "govhall.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "govhall.config.urls"
WSGI_APPLICATION = "govhall.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "govhall.core.context_processors.govhall",
            ],
        },
    }
]

DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'govhall.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web server and the huey consumer share the embedded database.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "govhall.core.passwords.CharacterClassValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# 等保 2.0 level 3: lockout after 5 failures for 5 minutes, by user and address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 5 / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False

# Second factor for staff (TOTP): "off", "optional" (staff with a device must use it) or "required".
GOVHALL_STAFF_2FA = env_str("GOVHALL_STAFF_2FA", "optional")
if GOVHALL_STAFF_2FA not in {"off", "optional", "required"}:
    raise ImproperlyConfigured(
        f"GOVHALL_STAFF_2FA must be off, optional or required, got {GOVHALL_STAFF_2FA!r}"
    )

# Staff sessions end after 10 idle minutes (a setting).
SESSION_COOKIE_AGE = env_int("GOVHALL_SESSION_IDLE_SECONDS", 600, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
WHITENOISE_USE_FINDERS = True

# Background work: huey on SQLite by default, on Redis when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL")
HUEY_IMMEDIATE = env_bool("GOVHALL_HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": env_str("GOVHALL_HUEY_NAME", "govhall"),
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": env_int("HUEY_WORKERS", 2, minimum=1), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "govhall",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": env_int("HUEY_WORKERS", 2, minimum=1), "worker_type": "thread"},
    }

# The cache holds the rate limiters' counters (case lookup, the attendance pad's lockout): shared by
# every process through Redis when REDIS_URL is set; per process otherwise (one-machine demo).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("GOVHALL_CACHE_URL", REDIS_URL),
            "KEY_PREFIX": env_str("GOVHALL_HUEY_NAME", "govhall"),
        }
    }

# Outbox: a claimed row is reclaimable after its lease; a row fails after max attempts.
GOVHALL_OUTBOX_LEASE_SECONDS = env_int("GOVHALL_OUTBOX_LEASE_SECONDS", 300, minimum=10)
GOVHALL_OUTBOX_MAX_ATTEMPTS = env_int("GOVHALL_OUTBOX_MAX_ATTEMPTS", 8, minimum=1)

# Audit retention: 等保 level 3 requires at least 184 days.
GOVHALL_AUDIT_RETENTION_DAYS = env_int("GOVHALL_AUDIT_RETENTION_DAYS", 184, minimum=184)
# Notification backends (dotted paths); the demo writes SMS to a file under var/.
GOVHALL_SMS_BACKEND = env_str("GOVHALL_SMS_BACKEND", "govhall.core.notify.FileSmsBackend")
GOVHALL_SMS_OUTBOX_FILE = VAR_DIR / "sms.log"
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@govhall.invalid")
GOVHALL_PUBLIC_BASE_URL = env_str("GOVHALL_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
GOVHALL_CENTRE_NAME = env_str("GOVHALL_CENTRE_NAME", "七里市政务服务中心")

# Cases: how often a task may be urged (催办); the largest upload.
GOVHALL_URGE_LIMIT = env_int("GOVHALL_URGE_LIMIT", 3, minimum=1)
# Public case lookup: failed tries per address (and number) within the window before a pause.
GOVHALL_LOOKUP_TRIES = env_int("GOVHALL_LOOKUP_TRIES", 10, minimum=1)
GOVHALL_LOOKUP_WINDOW_SECONDS = env_int("GOVHALL_LOOKUP_WINDOW_SECONDS", 600, minimum=10)
GOVHALL_UPLOAD_MAX_BYTES = env_int("GOVHALL_UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# Supervision sweep (ADR 0010): a full comparison at least this often; events re-read this long.
GOVHALL_SUPERVISION_FULL_MINUTES = env_int("GOVHALL_SUPERVISION_FULL_MINUTES", 60, minimum=1)
GOVHALL_SUPERVISION_OVERLAP_SECONDS = env_int("GOVHALL_SUPERVISION_OVERLAP_SECONDS", 300, minimum=10)
GOVHALL_SUPERVISION_PARALLEL = env_bool("GOVHALL_SUPERVISION_PARALLEL", True)
# Performance grading (supervision/grading.py): JSON objects overriding the module's defaults, e.g.
# GOVHALL_GRADE_WEIGHTS='{"on_time": 60, "speed": 40}', GOVHALL_GRADE_THRESHOLDS='{"excellent": 92}'.
GOVHALL_GRADE_WEIGHTS = json.loads(env_str("GOVHALL_GRADE_WEIGHTS", "{}"))
GOVHALL_GRADE_THRESHOLDS = json.loads(env_str("GOVHALL_GRADE_THRESHOLDS", "{}"))
GOVHALL_GRADE_LETTER_REPLY_WORKDAYS = env_int("GOVHALL_GRADE_LETTER_REPLY_WORKDAYS", 10, minimum=1)
# Ratings (ADR 0013): rectification deadline; invitation after conclusion, how long it is sent and valid.
GOVHALL_RATING_RECTIFY_WORKDAYS = env_int("GOVHALL_RATING_RECTIFY_WORKDAYS", 15, minimum=1)
GOVHALL_RATING_INVITE_DAYS = env_int("GOVHALL_RATING_INVITE_DAYS", 3, minimum=1)
GOVHALL_RATING_INVITE_HORIZON_DAYS = env_int("GOVHALL_RATING_INVITE_HORIZON_DAYS", 15, minimum=1)
GOVHALL_RATING_INVITE_VALID_DAYS = env_int("GOVHALL_RATING_INVITE_VALID_DAYS", 30, minimum=1)
# Inquiries (docs/adr/0014-inquiries.md): answer limit (unit workday | workhour | hour), a taken
# question's lease, complaint reply deadline, days a reply waits for the complainant's rating.
GOVHALL_INQUIRY_ANSWER_LIMIT = env_str("GOVHALL_INQUIRY_ANSWER_LIMIT", "1")
GOVHALL_INQUIRY_ANSWER_UNIT = env_str("GOVHALL_INQUIRY_ANSWER_UNIT", "workday")
GOVHALL_INQUIRY_TAKE_MINUTES = env_int("GOVHALL_INQUIRY_TAKE_MINUTES", 15, minimum=1)
GOVHALL_COMPLAINT_REPLY_WORKDAYS = env_int("GOVHALL_COMPLAINT_REPLY_WORKDAYS", 5, minimum=1)
GOVHALL_COMPLAINT_RATING_DAYS = env_int("GOVHALL_COMPLAINT_RATING_DAYS", 10, minimum=1)
# Appointments (hall/conf.py, ADR 0015): RULES.md "Hall".
GOVHALL_HALL_MAX_WORKDAYS_AHEAD = env_int("GOVHALL_HALL_MAX_WORKDAYS_AHEAD", 5, minimum=1)
GOVHALL_HALL_CANCEL_HOURS = env_int("GOVHALL_HALL_CANCEL_HOURS", 2, minimum=0)
GOVHALL_HALL_NO_SHOW_LIMIT = env_int("GOVHALL_HALL_NO_SHOW_LIMIT", 3, minimum=1)
GOVHALL_HALL_NO_SHOW_WINDOW_DAYS = env_int("GOVHALL_HALL_NO_SHOW_WINDOW_DAYS", 90, minimum=1)
GOVHALL_HALL_BLOCK_DAYS = env_int("GOVHALL_HALL_BLOCK_DAYS", 30, minimum=1)
GOVHALL_HALL_ON_TIME_MINUTES = env_int("GOVHALL_HALL_ON_TIME_MINUTES", 15, minimum=0)
GOVHALL_HALL_REMINDER_HOUR = env_int("GOVHALL_HALL_REMINDER_HOUR", 16, minimum=0)
# Staffing (staffing/rules.py, ADR 0018): JSON objects overriding the defaults, e.g.
# GOVHALL_STAFFING_DEDUCTIONS='{"late_minor": 1, "off_post_minutes": 15}'.
GOVHALL_STAFFING_HOURS = json.loads(env_str("GOVHALL_STAFFING_HOURS", "{}"))
GOVHALL_STAFFING_DEDUCTIONS = json.loads(env_str("GOVHALL_STAFFING_DEDUCTIONS", "{}"))
GOVHALL_STAFFING_WEIGHTS = json.loads(env_str("GOVHALL_STAFFING_WEIGHTS", "{}"))
GOVHALL_STAFFING_AWARD_COUNTS = json.loads(env_str("GOVHALL_STAFFING_AWARD_COUNTS", "{}"))
GOVHALL_STAFFING_LEADER_LEAVE_DAYS = env_int("GOVHALL_STAFFING_LEADER_LEAVE_DAYS", 3, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Personal numbers never reach a log line whole (DESIGN.md mechanism 7).
    "filters": {"personal_data": {"()": "govhall.core.logmask.MaskingFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["personal_data"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"weasyprint": {"level": "ERROR"}, "fontTools": {"level": "ERROR"}},
}

if SECRET_KEY == GOVHALL_FIELD_KEY:
    raise ImproperlyConfigured("SECRET_KEY and GOVHALL_FIELD_KEY must differ")
