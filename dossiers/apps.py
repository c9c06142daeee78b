from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Hồ sơ thủ tục hành chính")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from dossiers import calendar
        from dossiers.models import CalendarDay, WorkingHours

        # Overrides change deadlines: every cached year must be recomputed.
        post_save.connect(calendar.bump_version, sender=CalendarDay, dispatch_uid="calendar_save")
        post_delete.connect(calendar.bump_version, sender=CalendarDay, dispatch_uid="calendar_delete")
        post_save.connect(calendar.bump_version, sender=WorkingHours, dispatch_uid="hours_save")
        post_delete.connect(calendar.bump_version, sender=WorkingHours, dispatch_uid="hours_delete")
