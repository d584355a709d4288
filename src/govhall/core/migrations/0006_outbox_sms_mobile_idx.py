"""An expression index for "my messages" (core.selectors.user_messages) on PostgreSQL.

The outbox keeps SMS rows with the mobile in the JSON payload; the portal lists a user's messages
by that mobile. SQLite (the embedded, small default) scans instead.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS core_outbox_sms_mobile_idx "
    "ON core_outboxmessage ((payload -> 'mobile'), id) WHERE kind = 'sms'"
)
DROP = "DROP INDEX IF EXISTS core_outbox_sms_mobile_idx"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0005_enterprise")]
    operations = [migrations.RunPython(forwards, backwards)]
