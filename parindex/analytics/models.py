"""The analytics layer's models, registered here so that they load after the domain apps' models
(INSTALLED_APPS lists this app after dossiers and tasks): the indicator engine they read can then
import the domain at the top of its module. They keep the "parindex" label (``Meta.app_label``), so
their tables, migrations (parindex/base/migrations), permissions and admin URLs keep their names."""

from parindex.analytics.service_index_data import OfficialScore, ServiceIndexEntry, ServiceIndexWeight
from parindex.analytics.targets import YearTarget

__all__ = ["OfficialScore", "ServiceIndexEntry", "ServiceIndexWeight", "YearTarget"]
