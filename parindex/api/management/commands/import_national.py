"""Import a JSON file in the national exchange format (DongBoHoSoMC or CapNhatTienDoHoSoMC),
with the same validation and all-or-nothing rule as POST /api/v1/exchange/..."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from parindex.api import exchange
from parindex.base.models import Ward


class Command(BaseCommand):
    help = "Import dossiers (or --progress) in the national DongBoHoSoMC format from a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--ward", required=True, help="ward code")
        parser.add_argument(
            "--by", required=True, help="username recorded as the one who received the dossiers"
        )
        parser.add_argument(
            "--progress", action="store_true", help="the file holds CapNhatTienDoHoSoMC records"
        )

    def handle(self, *args, path: Path, ward: str, by: str, progress: bool, **options):
        try:
            batch = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError("{}: {}".format(path, exc)) from exc
        target = Ward.objects.filter(code=ward).first()
        if target is None:
            raise CommandError("unknown ward {}".format(ward))
        user = get_user_model().objects.filter(username=by).first()
        if user is None:
            raise CommandError("unknown user {}".format(by))
        try:
            if progress:
                result = exchange.import_progress(batch, ward=target)
            else:
                result = exchange.import_dossiers(batch, ward=target, by=user)
        except exchange.ExchangeError as exc:
            lines = ["record {record} ({MaHoSo}) {field}: {message}".format(**e) for e in exc.render()]
            raise CommandError("batch refused, nothing written:\n" + "\n".join(lines)) from exc
        self.stdout.write(
            "created {created}, moved {moved}, unchanged {unchanged}, progress {progress_added}".format(
                **result.__dict__
            )
        )
