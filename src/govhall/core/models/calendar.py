from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarSource(models.TextChoices):
    OFFICIAL = "official", _("国务院公布")  # seeded from the State Council schedule (chinese-calendar)
    IMPORTED = "imported", _("导入")  # imported by the centre from an Excel/CSV schedule
    MANUAL = "manual", _("人工调整")  # edited by a manager, one day at a time
    PROVISIONAL = "provisional", _("暂定")  # Mon–Fri minus fixed statutory holidays, no adjusted days


class CalendarDay(models.Model):
    """One calendar date and whether it is a working day for the centre."""

    date = models.DateField(_("日期"), primary_key=True)
    is_workday = models.BooleanField(_("工作日"))
    source = models.CharField(_("来源"), max_length=16, choices=CalendarSource.choices)
    note = models.CharField(_("说明"), max_length=64, blank=True)  # e.g. 国庆节, 调休上班
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("日历日")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'工作日' if self.is_workday else '休息日'}"


class CalendarYear(models.Model):
    """Whether a year's schedule is the published one or a provisional stand-in."""

    year = models.PositiveIntegerField(_("年份"), primary_key=True)
    provisional = models.BooleanField(_("暂定"), default=True)
    source = models.CharField(_("来源"), max_length=16, choices=CalendarSource.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}{'（暂定）' if self.provisional else ''}"
