"""Joins the calendar seed with the audit migration made in parallel (no operations)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0002_ao_audit_append_only"), ("core", "0002_wd_seed_calendar")]

    operations = []
