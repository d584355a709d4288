"""A throw-away test database for the plain-script benchmarks: a SQLite *file* (as a centre runs
it, not an in-memory database) or, with DATABASE_URL=postgres://…, a PostgreSQL test database."""

import os
import tempfile


def create() -> str:
    """Create the database (Django set up already) and return the name to pass to ``destroy``."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    if connection.vendor == "sqlite":
        path = os.path.join(tempfile.mkdtemp(prefix="govhall-bench-"), "bench.sqlite3")
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = path
    return connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)


def destroy(old_name: str) -> None:
    from django.db import connection

    connection.creation.destroy_test_db(old_name, verbosity=0)
