"""Drop four single-column indexes that every action paid for and no read uses.

- ``cases_caseevent.step_id`` / ``task_id``: no query looks timeline rows up by step or task, and
  steps and tasks are deleted only with their case.
- ``cases_steptask.assignee_id`` / ``department_id``: ``steptask_assignee_idx`` and
  ``steptask_dept_idx`` lead with these columns and serve the same lookups.

The model state changes to ``db_index=False``; the database only drops the indexes (Django's own
AlterField would rebuild the tables on SQLite and re-validate the foreign keys on PostgreSQL).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = [
    ("cases_caseevent", "step_id", "cases_caseevent_step_id_f0aa0492"),
    ("cases_caseevent", "task_id", "cases_caseevent_task_id_e21f0317"),
    ("cases_steptask", "assignee_id", "cases_steptask_assignee_id_a4c30661"),
    ("cases_steptask", "department_id", "cases_steptask_department_id_54062e85"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_grading_indexes"),
        ("org", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for table, column, name in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="caseevent",
                    name="step",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="cases.casestep",
                    ),
                ),
                migrations.AlterField(
                    model_name="caseevent",
                    name="task",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="cases.steptask",
                    ),
                ),
                migrations.AlterField(
                    model_name="steptask",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="steptask",
                    name="department",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="org.department",
                    ),
                ),
            ],
        ),
    ]
