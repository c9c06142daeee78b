"""The portal's scheduled work for one day; a daily timer runs it (docs/deploy.md).

On the 15th (the official month closed on the 14th) and on the 1st (calendar months) the report
of every ward is queued and its leader and the city are notified when it is built; every day,
officers hear about dossiers due on the next working day or overdue, and plan tasks due in 7, 3
or 1 days; finished jobs older than JOB_KEEP_DAYS are deleted with their files; last, the facts the
dashboards read are checked against the dossier records (``manage.py facts check``): a
difference is printed and makes the command exit non-zero, after everything else was done, so
the timer's failure alert reaches the administrator. Running it twice on the same day queues and
notifies nothing new.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dossiers import reminders as dossier_reminders
from parindex.analytics.reports.schedule import period_due, start_monthly_reports
from parindex.base.jobs.services import prune, sweep_stale
from tasks import reminders as task_reminders


class Command(BaseCommand):
    help = "Queue the monthly reports due today and send today's deadline reminders."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run for this day (YYYY-MM-DD) instead of today.")

    def handle(self, *args, date: str | None = None, **options):
        day = self._day(date)
        period = period_due(day)
        jobs = start_monthly_reports(day)
        if period is not None:
            self.stdout.write("Reports {}: {} ward(s) queued.".format(period.label, len(jobs)))
        dossiers = dossier_reminders.remind(day)
        tasks = task_reminders.remind(day)
        self.stdout.write("Reminders {}: {} dossier, {} task notice(s).".format(day, dossiers, tasks))
        recovered = sweep_stale()  # a worker that died on another machine, its job unseen since
        if recovered:
            self.stdout.write("Recovered {} interrupted job(s).".format(recovered))
        pruned = prune(older_than=timedelta(days=settings.JOB_KEEP_DAYS))
        self.stdout.write(
            "Deleted {} finished job(s) older than {} days.".format(pruned, settings.JOB_KEEP_DAYS)
        )
        # Last, so that a difference never holds back the reports and reminders above.
        try:
            call_command("facts", "check", stdout=self.stdout, stderr=self.stderr)
        except CommandError as error:
            raise CommandError("scheduled work done, but {}".format(error)) from error

    @staticmethod
    def _day(raw: str | None) -> date:
        if not raw:
            return timezone.localdate()
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise CommandError("--date must be YYYY-MM-DD, got {!r}.".format(raw)) from None
