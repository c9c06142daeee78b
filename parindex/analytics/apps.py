from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "parindex.analytics"
    label = "analytics"
    verbose_name = _("Chỉ số và báo cáo")
