"""Django set up for a benchmark process: on the database it is given, with a throwaway signing
key, witness file and media folder in `workdir`, and DEBUG off as in production (with it on,
Django keeps the text of every SQL statement it runs, which grows with the work and is not the
app's cost). Every script of `bench/` starts here."""

import os
import warnings
from pathlib import Path


def setup_django(url: str, workdir: Path, *, migrate: bool = False) -> None:
    """Django on the database at `url`; `migrate` brings a new database's tables first."""
    os.environ["DATABASE_URL"] = url
    for name in ("DATABASE_OWNER_URL", "DATABASE_APP_ROLE", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)  # the embedded Celery: tasks run in the process
    os.environ["AUDIT_SIGNING_KEY"] = str(workdir / "signing-key.pem")
    os.environ["AUDIT_WITNESS_PATH"] = str(workdir / f"witness-{Path(url).name}.jsonl")
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    # The development settings (no production secrets needed); DEBUG itself goes off below.
    os.environ["DJANGO_DEBUG"] = "true"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    # WhiteNoise warns that collectstatic has not run: the pages are measured, not their assets.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]  # the host of Django's test client
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def setup_sqlite(db_path: str | Path, *, migrate: bool = False) -> None:
    """Django on the SQLite file at `db_path`, its throwaway files in the same folder."""
    setup_django(f"sqlite:///{db_path}", Path(db_path).parent, migrate=migrate)
