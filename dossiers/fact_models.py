"""The facts tables (``dossiers/facts.py`` keeps them): per (ward, field) and day, month and year
counts, and each dossier's current contribution to them.

Every column is a *flow* of its day: the dossiers newly received or resolved on that day, and
the change of the end-of-day stock of open (``open_delta``), overdue (``overdue_delta``) and overdue
without a timely apology (``overdue_no_letter_delta``) dossiers. A period's figures are sums over
its days; the stock at the end of a day is the sum of the deltas up to it (the years before it from
the yearly table, its year's months before it from the monthly one, its month's days from the
daily one). Ratings count on the day they were given;
apology letters are rows of their own with a (ward, date) index and are counted from them.
"""

from __future__ import annotations

from django.db import models

# The counted columns, in this order in both tables and in the upserts.
FLOW_COLUMNS = (
    "new_online",
    "new_in_person",
    "new_post",
    "circulated",
    "e_circulated",
    "fee_due",
    "paid_online",
    "digitised",
    "resolved",
    "resolved_before",
    "resolved_on_time",
    "resolved_late",
    "resolved_late_no_letter",
    "electronic_result",
    "rated",  # ratings given on the day, counted where the rating was given (its ward and field)
    "rated_satisfied",  # of those, "very satisfied" or "satisfied"
)
STOCK_COLUMNS = ("open_delta", "overdue_delta", "overdue_no_letter_delta")
COLUMNS = FLOW_COLUMNS + STOCK_COLUMNS


class _Counts(models.Model):
    ward = models.ForeignKey("parindex.Ward", on_delete=models.CASCADE, related_name="+")
    field = models.ForeignKey("dossiers.Field", on_delete=models.CASCADE, related_name="+")
    new_online = models.IntegerField(default=0)
    new_in_person = models.IntegerField(default=0)
    new_post = models.IntegerField(default=0)
    circulated = models.IntegerField(default=0)
    e_circulated = models.IntegerField(default=0)
    fee_due = models.IntegerField(default=0)
    paid_online = models.IntegerField(default=0)
    digitised = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    resolved_before = models.IntegerField(default=0)
    resolved_on_time = models.IntegerField(default=0)
    resolved_late = models.IntegerField(default=0)
    resolved_late_no_letter = models.IntegerField(default=0)
    electronic_result = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    rated_satisfied = models.IntegerField(default=0)
    open_delta = models.IntegerField(default=0)
    overdue_delta = models.IntegerField(default=0)
    overdue_no_letter_delta = models.IntegerField(default=0)

    class Meta:
        abstract = True


class DayFact(_Counts):
    """One (ward, field, local day)."""

    day = models.DateField()

    class Meta:
        verbose_name = "facts of a day"
        constraints = [models.UniqueConstraint(fields=["ward", "field", "day"], name="dayfact_unique")]
        indexes = [models.Index(fields=["ward", "day"], name="dayfact_ward_day")]

    def __str__(self) -> str:
        return "{} {} {}".format(self.ward_id, self.field_id, self.day)


class MonthFact(_Counts):
    """One (ward, field, calendar month): the sum of its days (``month`` is the first day)."""

    month = models.DateField()

    class Meta:
        verbose_name = "facts of a month"
        constraints = [models.UniqueConstraint(fields=["ward", "field", "month"], name="monthfact_unique")]
        indexes = [models.Index(fields=["ward", "month"], name="monthfact_ward_month")]

    def __str__(self) -> str:
        return "{} {} {}".format(self.ward_id, self.field_id, self.month)


class YearFact(_Counts):
    """One (ward, field, calendar year): the sum of its months (``year`` is its 1 January). A stock
    carried over from years before sums a few rows per (ward, field) instead of every month."""

    year = models.DateField()

    class Meta:
        verbose_name = "facts of a year"
        constraints = [models.UniqueConstraint(fields=["ward", "field", "year"], name="yearfact_unique")]
        indexes = [models.Index(fields=["ward", "year"], name="yearfact_ward_year")]

    def __str__(self) -> str:
        return "{} {} {}".format(self.ward_id, self.field_id, self.year.year)


class DossierFact(models.Model):
    """What one dossier adds to the facts now: ``[[ward_id, field_id, "YYYY-MM-DD", column, n],
    ...]``. A change of the dossier applies the difference with its new contribution."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    entries = models.JSONField(default=list)

    class Meta:
        verbose_name = "facts of a dossier"

    def __str__(self) -> str:
        return str(self.dossier_id)


# Lateness by agency at fault (``indicators.lateness_by_agency``), per (ward, agency, day).
AGENCY_FLOW_COLUMNS = (
    "late_hops",  # hops of this agency returned late on the day
    "late_hops_ward_in_time",  # of those, dossiers the ward resolved before or on time
    "late_resolved",  # dossiers resolved late on the day with a late hop of this agency
    "late_resolved_first",  # the same, counted once per dossier (at its first such agency)
)
AGENCY_STOCK_COLUMNS = (
    "overdue_delta",  # change of the end-of-day stock of overdue dossiers with a late hop of it
    "overdue_first_delta",  # the same, counted once per dossier (at its first such agency)
)
AGENCY_COLUMNS = AGENCY_FLOW_COLUMNS + AGENCY_STOCK_COLUMNS
# A dossier's contribution names these columns with this prefix, the agency in the field's place.
AGENCY_PREFIX = "agency_"


class AgencyDayFact(models.Model):
    """One (ward, agency, local day) of the lateness by agency. A dossier with late hops of several
    agencies counts at each of them, and once (``*_first``) at the one with the smallest id, so the
    sum of the ``*_first`` columns over the agencies is the number of dossiers with a late hop."""

    ward = models.ForeignKey("parindex.Ward", on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey("dossiers.Agency", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    late_hops = models.IntegerField(default=0)
    late_hops_ward_in_time = models.IntegerField(default=0)
    late_resolved = models.IntegerField(default=0)
    late_resolved_first = models.IntegerField(default=0)
    overdue_delta = models.IntegerField(default=0)
    overdue_first_delta = models.IntegerField(default=0)

    class Meta:
        verbose_name = "facts of an agency's day"
        constraints = [models.UniqueConstraint(fields=["ward", "agency", "day"], name="agencydayfact_unique")]
        indexes = [models.Index(fields=["ward", "day"], name="agencydayfact_ward_day")]

    def __str__(self) -> str:
        return "{} {} {}".format(self.ward_id, self.agency_id, self.day)
