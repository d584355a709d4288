"""Shared fixtures: database facts. Context tests live in tests/<context>/ with their own factories."""

import pytest
from django.db import connection


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Let Django's TRUNCATE between transactional tests through the audit table's trigger.

    The trigger refuses TRUNCATE of a non-empty audit table in production (ADR 0002); a test
    database opts out with a database-level setting that only its owner can set.
    """
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            name = connection.settings_dict["NAME"]
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER DATABASE \"{name}\" SET govhall.audit_allow_truncate = 'on'")
                cursor.execute("SET govhall.audit_allow_truncate = 'on'")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords with MD5: PBKDF2's million rounds cost ~0.5 s per user created.

    PBKDF2 stays in the list so hashes made with it (the production hasher) still verify.
    """
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _item_version_caches():
    """Item versions are immutable, so the cases context caches them by id; but a test's rollback
    lets SQLite hand the same id to another version in the next test."""
    from govhall.cases import clocks, processing

    clocks.version_caches_clear()
    processing.version_caches_clear()


@pytest.fixture(autouse=True)
def _working_day_calendar(request):
    """Transactional tests get the working-day calendar back after another one's flush.

    A data migration seeds the calendar, but Django empties every table (TRUNCATE) after each
    transactional test, so the next one would find no working days at all.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction", False)
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        from govhall.core.calendar import calendar_seed
        from govhall.core.models import CalendarDay

        if not CalendarDay.objects.exists():
            calendar_seed()


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks, triggers)")
