"""Django set up for a benchmark process: on the database it is given, with a throwaway signing
key and witness file, and DEBUG off as in production (with it on, Django keeps the text of every
SQL statement it runs, which grows with the work and is not the app's cost)."""

import os
from pathlib import Path


def setup_django(url: str, workdir: Path) -> None:
    os.environ["DATABASE_URL"] = url
    for name in ("DATABASE_OWNER_URL", "DATABASE_APP_ROLE", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    os.environ["AUDIT_SIGNING_KEY"] = str(workdir / "signing-key.pem")
    os.environ["AUDIT_WITNESS_PATH"] = str(workdir / f"witness-{Path(url).name}.jsonl")
    # The development settings (no production secrets needed); DEBUG itself goes off below.
    os.environ["DJANGO_DEBUG"] = "true"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
