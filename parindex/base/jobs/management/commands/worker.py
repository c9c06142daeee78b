"""Run the background worker of the configured task backend, after recovering interrupted jobs.

``make run`` starts it beside gunicorn; in production it runs under systemd (docs/deploy.md).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from parindex.base.jobs.services import sweep_stale


class Command(BaseCommand):
    help = "Recover interrupted jobs, then work the task queue (database or rq backend)."

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="Work what is queued, then exit.")
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after this many tasks.")

    def handle(self, *args, burst: bool, max_tasks: int | None, **options):
        recovered = sweep_stale()
        if recovered:
            self.stdout.write("Recovered {} interrupted job(s).".format(recovered))
        backend = settings.TASKS_BACKEND
        if backend == "database":
            argv = ["--queue-name", "default", "--no-reload", "--no-startup-delay"]
            if burst:
                argv.append("--batch")
            if max_tasks:
                argv += ["--max-tasks", str(max_tasks)]
            call_command("db_worker", *argv)
        elif backend == "rq":
            argv = ["default", "--job-class", "django_tasks_rq.Job"]
            if burst:
                argv.append("--burst")
            if max_tasks:
                argv += ["--max-jobs", str(max_tasks)]
            call_command("rqworker", *argv)
        else:
            raise CommandError(
                "TASKS_BACKEND={} runs tasks inside the request; there is no queue to work.".format(backend)
            )
