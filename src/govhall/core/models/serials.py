from django.db import models


class SerialCounter(models.Model):
    """A named counter per scope and day (case numbers, ticket numbers), bumped with F()."""

    scope = models.CharField(max_length=64)
    day = models.DateField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "day"], name="serial_scope_day_uniq")]
