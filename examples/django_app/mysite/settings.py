"""Settings for the example project, tuned for AWS Lambda behind faas_bridge.

Everything deployment-specific comes from environment variables (set them in
the function's configuration); the fallbacks make the demo run as is.

Lambda's file system is read-only except ``/tmp``, so the SQLite database lives
there by default. It is per instance and lost on cold start: fine for a demo,
use RDS/Aurora (or DynamoDB) for real data.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "django-insecure-demo-only-set-DJANGO_SECRET_KEY-in-production"
)
DEBUG = env_bool("DJANGO_DEBUG", False)

# Permissive for the demo (API Gateway hosts are generated); narrow it with
# DJANGO_ALLOWED_HOSTS=abc123.execute-api.eu-west-1.amazonaws.com,example.com
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "*")
# The Host header is the one the client used (API Gateway/ALB pass it on);
# never trust X-Forwarded-Host, which a client can set freely.
USE_X_FORWARDED_HOST = False
# Origins allowed to POST forms besides the request's own host, e.g.
# DJANGO_CSRF_TRUSTED_ORIGINS=https://example.com
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "notes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (the admin's CSS and JavaScript) answered by the function
    # itself, before the rest of the stack runs: see STATIC_URL below.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mysite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

WSGI_APPLICATION = "mysite.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_SQLITE_PATH", "/tmp/faas_bridge_example_django.sqlite3"),
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files (the admin's CSS and JavaScript) are served by the function
# itself, through WhiteNoise (see MIDDLEWARE). By default WhiteNoise finds them
# in the installed apps, Django's admin included (its finders): no build step,
# and nothing is written, as a function's disk is read-only. To serve copies
# collected at build time instead, run `python manage.py collectstatic` with
# DJANGO_STATIC_ROOT=staticfiles while packaging, and set the same variable in
# the function's environment. To serve them from a bucket or CDN, upload the
# collected files there and set DJANGO_STATIC_URL to their address
# (https://cdn.example.com/static/). Relative, STATIC_URL gets the script
# prefix (the API Gateway stage) in front.
STATIC_URL = os.environ.get("DJANGO_STATIC_URL", "static/")
_static_root = os.environ.get("DJANGO_STATIC_ROOT", "").strip()
STATIC_ROOT = BASE_DIR / _static_root if _static_root else None
WHITENOISE_USE_FINDERS = STATIC_ROOT is None
# Django computes a relative STATIC_URL once, the first time it is read, with
# the script prefix of that moment: only during a request does it include the
# stage. So WhiteNoise must not read it at startup: its URL prefix (below the
# script prefix) is named here, and files are told immutable by the content
# hash in their names (as ManifestStaticFilesStorage names them) rather than by
# asking the storage, which would read STATIC_URL.
WHITENOISE_STATIC_PREFIX = "/static/"
WHITENOISE_IMMUTABLE_FILE_TEST = r"\.[0-9a-f]{12}\.\w+$"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# API Gateway and Function URLs are HTTPS only; keep cookies off plain HTTP
# unless debugging locally with runserver.
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)

# Lambda's /tmp database starts empty on every cold start: migrate it then
# (see mysite/startup.py). Turn off when using a real database server.
MIGRATE_ON_STARTUP = env_bool("DJANGO_MIGRATE_ON_STARTUP", True)

# Logging: Django's defaults. Its loggers propagate to the root logger, which the
# Lambda runtime sends to CloudWatch, so errors and CSRF refusals show up there.
