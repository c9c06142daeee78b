from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project package as an app: its management commands (seed_demo, facts, run_schedule, ...),
    the admin site's registrations and the translations (parindex/locale). No models."""

    name = "parindex"
    label = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from parindex import signals  # noqa: F401 - Django's place to connect signals
