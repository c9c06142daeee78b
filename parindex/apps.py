from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParindexConfig(AppConfig):
    name = "parindex"
    verbose_name = _("Cải cách hành chính")

    def ready(self) -> None:
        from parindex import signals  # noqa: F401
