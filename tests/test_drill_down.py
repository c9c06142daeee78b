"""The register's drill-down checks the bucket name itself: an unknown one gets a clear message and
no rows (the engine is called only with a bucket it knows, so its own errors are not swallowed)."""

from __future__ import annotations

from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at

INDEX = "/dossiers/"
MARCH = {"from": "2024-03-01", "to": "2024-03-31"}


def test_unknown_bucket_lists_nothing_and_says_so(client, chairperson, make_dossier, business):
    make_dossier(business, at(2024, 3, 4, 9))
    client.force_login(chairperson)
    response = client.get(INDEX, {"bucket": "resolved_soon", **MARCH})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
    assert "Nhóm số liệu không hợp lệ." in response.content.decode()


def test_a_known_bucket_opens_exactly_its_dossiers(client, chairperson, make_dossier, business):
    d = make_dossier(business, at(2024, 3, 4, 9))
    client.force_login(chairperson)
    new = client.get(INDEX, {"bucket": "received_new", **MARCH})
    late = client.get(INDEX, {"bucket": "resolved_late", **MARCH})
    assert [x.pk for x in new.context["page"].object_list] == [d.pk]
    assert list(late.context["page"].object_list) == []
