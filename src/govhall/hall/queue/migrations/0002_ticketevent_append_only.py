"""PostgreSQL refuses UPDATE and DELETE on a ticket's timeline (docs/adr/0016, addendum).

Window moves are recorded in ``TicketEvent`` only, not in the audit chain, so the table itself
keeps what it holds: a row once written is never changed or removed (a ticket with events cannot be
deleted either: its events would go with it). TRUNCATE, which needs the table owner, stays possible
for test databases. SQLite has no such triggers.
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION govhall_ticketevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '叫号记录只允许追加，拒绝 % (hall_queue_ticketevent is append-only)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS hall_queue_ticketevent_append_only ON hall_queue_ticketevent;
CREATE TRIGGER hall_queue_ticketevent_append_only
    BEFORE UPDATE OR DELETE ON hall_queue_ticketevent
    FOR EACH ROW EXECUTE FUNCTION govhall_ticketevent_append_only();
"""

DROP = r"""
DROP TRIGGER IF EXISTS hall_queue_ticketevent_append_only ON hall_queue_ticketevent;
DROP FUNCTION IF EXISTS govhall_ticketevent_append_only();
"""


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("hall_queue", "0001_initial")]

    operations = [migrations.RunPython(_on_postgres(CREATE), _on_postgres(DROP), elidable=False)]
