"""``python bench/load.py --wards 100 --years 5 --per-ward-year 2000``: province-scale load data.

The generator (``bench/generate_load.py``) is a management command class kept out of the apps: it
serves the benchmark and the load tests, not the portal. ``--help`` lists its options; ``--cleanup``
deletes a load city (codes start with ``LOAD``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
    import django

    django.setup()
    from bench.generate_load import Command

    # As manage.py would run it: usage errors and CommandError print a message and exit 1.
    Command().run_from_argv(["python", "bench/load.py", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
