"""Dossier codes (issue 17 item 6): the ward's scheme is data, the default keeps today's codes,
nationally centralised procedures get the Thông tư 04/2025/TT-VPCP format with a gap-free daily
sequence, and the national system's code is stored beside ours and searchable."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from dossiers import codes, workflow
from dossiers.models import Channel, CodeScheme, DailyCodeCounter, Dossier
from dossiers.workflow import WorkflowError
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at


@pytest.fixture
def centralised(birth):
    birth.nationally_centralised = True
    birth.save()
    return birth


@pytest.fixture
def tt04_scheme(ward) -> CodeScheme:
    return CodeScheme.objects.create(ward=ward, agency_code="H43.021.09", platform_owner="01")


def test_without_a_scheme_codes_stay_as_they_were(make_dossier, business):
    assert make_dossier(business, at(2024, 3, 4, 9)).code == "BH-2024-000001"
    assert make_dossier(business, at(2025, 1, 2, 9)).code == "BH-2025-000001"


def test_the_default_scheme_row_continues_the_existing_sequence(make_dossier, business, ward):
    make_dossier(business, at(2024, 3, 4, 9))
    CodeScheme.objects.create(ward=ward)
    assert make_dossier(business, at(2024, 3, 4, 10)).code == "BH-2024-000002"


def test_a_daily_pattern_restarts_every_day(make_dossier, business, ward):
    CodeScheme.objects.create(ward=ward, pattern="{ward}.{yy}{mm}{dd}.{seq:03d}", reset=CodeScheme.Reset.DAY)
    codes_ = [
        make_dossier(business, moment).code
        for moment in (at(2024, 3, 4, 9), at(2024, 3, 4, 10), at(2024, 3, 5, 9))
    ]
    assert codes_ == ["BH.240304.001", "BH.240304.002", "BH.240305.001"]


def test_nationally_centralised_procedures_get_the_tt04_format(
    make_dossier, centralised, business, tt04_scheme
):
    first = make_dossier(centralised, at(2026, 2, 2, 9))
    second = make_dossier(centralised, at(2026, 2, 2, 14))
    next_day = make_dossier(centralised, at(2026, 2, 3, 8))
    assert [first.code, second.code, next_day.code] == [
        "H43.021.09-260202-010001",
        "H43.021.09-260202-010002",
        "H43.021.09-260203-010001",
    ]
    assert all(codes.TT04_RE.match(d.code) for d in (first, second, next_day))
    # the ward's own procedures keep the ward's sequence
    assert make_dossier(business, at(2026, 2, 2, 9)).code == "BH-2026-000001"


def test_the_daily_sequence_grows_beyond_four_digits(make_dossier, centralised, tt04_scheme, ward):
    DailyCodeCounter.objects.create(ward=ward, series="tt04", day=at(2026, 2, 2).date(), last=9999)
    assert make_dossier(centralised, at(2026, 2, 2, 9)).code == "H43.021.09-260202-0110000"


def test_centralised_procedure_without_an_e_id_code_is_refused_with_a_message(make_dossier, centralised):
    with pytest.raises(WorkflowError, match="mã định danh điện tử"):
        make_dossier(centralised, at(2026, 2, 2, 9))
    assert not Dossier.objects.exists()
    assert not DailyCodeCounter.objects.exists()


def test_a_cross_ward_dossier_is_coded_by_the_competent_unit(centralised, ward, other_ward, officer_datdai):
    CodeScheme.objects.create(ward=other_ward, agency_code="H43.021.10", platform_owner="01")
    d = workflow.receive(
        ward=other_ward,
        received_by=ward,
        procedure=centralised,
        channel=Channel.IN_PERSON,
        received_at=at(2026, 2, 2, 9),
        applicant_name="A",
        by=officer_datdai,
    )
    assert d.code == "H43.021.10-260202-010001"


@pytest.mark.parametrize(
    ("pattern", "reset", "agency", "owner", "fields"),
    [
        ("{ward}-{seq:06d}", "year", "", "", {"pattern"}),  # no year: codes would repeat
        ("{ward}-{year}", "year", "", "", {"pattern"}),  # no sequence
        ("{ward}-{year}-{secret}-{seq}", "year", "", "", {"pattern"}),
        ("{ward}-{year}-{seq:06d", "year", "", "", {"pattern"}),
        ("{ward}-{year}-{seq}", "day", "", "", {"pattern"}),  # daily without month and day
        ("{ward}-{year}-{seq:06d}", "year", "H43-021-09", "1", {"agency_code", "platform_owner"}),
    ],
)
def test_a_scheme_that_cannot_make_unique_codes_is_refused(ward, pattern, reset, agency, owner, fields):
    row = CodeScheme(ward=ward, pattern=pattern, reset=reset, agency_code=agency, platform_owner=owner)
    with pytest.raises(ValidationError) as caught:
        codes.validate_scheme(row)
    assert set(caught.value.message_dict) == fields


def test_the_default_and_tt04_schemes_are_valid(ward):
    codes.validate_scheme(CodeScheme(ward=ward))
    codes.validate_scheme(CodeScheme(ward=ward, agency_code="H43.021.09", platform_owner="01"))


def test_admin_refuses_a_bad_scheme(client, ward, django_user_model):
    from parindex.base.models import Membership, Role

    admin_user = django_user_model.objects.create_superuser("root", password="x")
    Membership.objects.create(user=admin_user, role=Role.ADMIN)
    client.force_login(admin_user)
    url = reverse("admin:dossiers_codescheme_add")
    response = client.post(url, {"ward": ward.pk, "pattern": "{ward}-{seq}", "reset": "year"})
    assert response.status_code == 200 and not CodeScheme.objects.exists()
    response = client.post(url, {"ward": ward.pk, "pattern": "{ward}/{yy}/{seq:05d}", "reset": "year"})
    assert response.status_code == 302 and CodeScheme.objects.get().pattern == "{ward}/{yy}/{seq:05d}"


def test_official_code_is_stored_beside_ours_and_found_in_the_register(
    client, make_dossier, business, officer_datdai
):
    d = make_dossier(business, at(2024, 3, 4, 9), official_code="H43.021.09-240304-000123")
    other = make_dossier(business, at(2024, 3, 4, 10))
    assert d.code == "BH-2024-000001" and d.official_code == "H43.021.09-240304-000123"
    client.force_login(officer_datdai)
    page = client.get(reverse("dossiers:index"), {"q": "h43.021.09-240304-000123"})
    assert [x.pk for x in page.context["page"].object_list] == [d.pk]
    assert other.pk not in [x.pk for x in page.context["page"].object_list]
    detail = client.get(reverse("dossiers:detail", args=[d.pk]))
    assert b"H43.021.09-240304-000123" in detail.content


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_tt04_receptions_get_a_gap_free_daily_sequence(ward, officer_datdai, catalogue):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) need PostgreSQL: DATABASE_URL=postgres://...")
    from dossiers.models import Procedure

    procedure = Procedure.objects.get(code="1.001193")
    procedure.nationally_centralised = True
    procedure.save()
    CodeScheme.objects.create(ward=ward, agency_code="H43.021.09", platform_owner="01")
    made: list[str] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(20)

    def work(i: int) -> None:
        try:
            barrier.wait()
            d = workflow.receive(
                ward=ward,
                procedure=procedure,
                channel=Channel.IN_PERSON,
                received_at=at(2026, 2, 2, 9),
                applicant_name="Người {}".format(i),
                by=officer_datdai,
            )
            made.append(d.code)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(made) == ["H43.021.09-260202-01{:04d}".format(n) for n in range(1, 21)]
