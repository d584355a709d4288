"""The `govhall` console script: the project's manage.py."""

import os
import sys

# Messages with which SQLite and PostgreSQL report a table that does not exist yet.
_MISSING_TABLE = ("no such table", "does not exist")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.config.settings")
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError, ProgrammingError

    try:
        execute_from_command_line(sys.argv)
    except (OperationalError, ProgrammingError) as exc:
        # A command run before the first migration: say what to do instead of a traceback.
        if not any(marker in str(exc) for marker in _MISSING_TABLE):
            raise
        sys.stderr.write(f"数据库尚未初始化（{exc}），请先运行：govhall migrate --noinput\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
