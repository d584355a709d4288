"""The console script on a database that was never migrated: a clear Chinese hint, not a traceback."""

import os
import subprocess
import sys
from pathlib import Path

GOVHALL = Path(sys.executable).with_name("govhall")


def test_a_command_before_migrate_says_to_migrate(tmp_path):
    env = {**os.environ, "GOVHALL_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # a brand-new SQLite file under the empty var dir
    result = subprocess.run(
        [str(GOVHALL), "workdays", "add", "2026-09-30", "20"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    assert "请先运行：govhall migrate --noinput" in result.stderr
    assert "Traceback" not in result.stderr
