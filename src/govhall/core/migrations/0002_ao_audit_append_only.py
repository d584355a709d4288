"""PostgreSQL refuses UPDATE, DELETE and TRUNCATE on the audit table (DESIGN.md mechanism 3).

The only DELETE let through is the retention prune, which runs ``SET LOCAL govhall.audit_prune =
'on'`` in its own transaction after writing an AuditCheckpoint. A TRUNCATE is refused while the
table holds any event; a test database may allow it (the suite flushes tables between tests) with
``ALTER DATABASE … SET govhall.audit_allow_truncate = 'on'``, which needs the database owner.
SQLite has no such triggers; there the hash chain alone shows tampering (``govhall audit verify``).
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION govhall_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('govhall.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'TRUNCATE' AND (
        current_setting('govhall.audit_allow_truncate', true) = 'on'
        OR NOT EXISTS (SELECT 1 FROM core_auditevent)
    ) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '审计日志只允许追加，拒绝 % (core_auditevent is append-only)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
CREATE TRIGGER core_auditevent_append_only
    BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION govhall_audit_append_only();

DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent;
CREATE TRIGGER core_auditevent_no_truncate
    BEFORE TRUNCATE ON core_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION govhall_audit_append_only();
"""

DROP = r"""
DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent;
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
DROP FUNCTION IF EXISTS govhall_audit_append_only();
"""


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(_on_postgres(CREATE), _on_postgres(DROP), elidable=False)]
