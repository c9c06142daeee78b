from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParindexConfig(AppConfig):
    # The label stays "parindex": the tables, migrations, permissions and admin URLs keep their names.
    name = "parindex.base"
    label = "parindex"
    verbose_name = _("Cải cách hành chính")
