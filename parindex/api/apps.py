from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "parindex.api"
    label = "api"
    verbose_name = _("Kết nối hệ thống (API)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Build the API's schemas at start-up, with the real date types: built lazily on the first
        # URL resolution, they would pick up whatever ``datetime.date`` is then (a frozen clock in
        # tests), and a broken schema would only show on the first call.
        from parindex.api import v1  # noqa: F401
