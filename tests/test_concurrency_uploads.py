"""Files saved only when their transaction commits: a rolled-back or failed upload leaves no file
on disk (common/files.py), also under 30 uploads at once, and on SQLite even when the database
refuses some of them (the control without IMMEDIATE transactions)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse

from usecases import services
from usecases.models import Attachment

from .concurrency_support import (
    Session,
    answered,
    results_at_once,
    served,
    server_errors,
    tally,
)

UPLOADS = 30
PDF = b"%PDF-1.7 a DPIA"


def stored_files(tmp_path) -> list:
    """The files under the tests' private media folder (tests/conftest.py `private_media`)."""
    return [path for path in (tmp_path / "media").rglob("*") if path.is_file()]


class Boom(Exception):
    pass


def test_an_upload_rolled_back_after_it_was_written_leaves_no_file(make_use_case, alice, tmp_path):
    use_case = make_use_case()
    with pytest.raises(Boom), transaction.atomic():
        services.attachment_add(
            actor=alice, use_case=use_case, upload=SimpleUploadedFile("dpia.pdf", PDF)
        )
        assert len(stored_files(tmp_path)) == 1  # written before the commit, readable at once
        raise Boom
    assert stored_files(tmp_path) == []
    assert not Attachment.objects.filter(use_case=use_case).exists()


def test_a_kept_upload_keeps_its_file_when_a_later_one_rolls_back(make_use_case, alice, tmp_path):
    use_case = make_use_case()
    kept = services.attachment_add(
        actor=alice, use_case=use_case, upload=SimpleUploadedFile("kept.pdf", PDF)
    )
    with pytest.raises(Boom), transaction.atomic():
        services.attachment_add(
            actor=alice, use_case=use_case, upload=SimpleUploadedFile("lost.pdf", PDF)
        )
        raise Boom
    assert [path.name for path in stored_files(tmp_path)] == [kept.file.name.split("/")[-1]]


def _upload_at_once(tmp_path, use_case, alice, **options):
    with served(tmp_path, **options) as url:
        session = Session(url, alice)
        path = reverse("use-case-attachments", args=[use_case.pk])
        answers = answered(
            results_at_once(
                [
                    lambda i=i: session.upload(path, "file", f"dpia-{i}.pdf", PDF)
                    for i in range(UPLOADS)
                ]
            )
        )
        rows = Attachment.objects.filter(use_case=use_case).count()
    return answers, rows, len(stored_files(tmp_path))


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_uploads_at_once_leave_one_file_per_attachment(tmp_path, make_use_case, alice, figure):
    use_case = make_use_case()
    answers, rows, files = _upload_at_once(tmp_path, use_case, alice)
    figure(
        "R1",
        f"uploads {connection.vendor}: {UPLOADS} at once, {server_errors(answers)} 5xx, "
        f"{rows} attachments, {files - rows} orphan files; answers {tally(answers)}",
    )
    assert server_errors(answers) == 0, tally(answers)
    assert rows == files == UPLOADS


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's locking")
def test_control_uploads_the_database_refuses_leave_no_file(tmp_path, make_use_case, alice, figure):
    use_case = make_use_case()
    answers, rows, files = _upload_at_once(
        tmp_path, use_case, alice, transaction_mode="DEFERRED", timeout=0
    )
    figure(
        "R1",
        f"control: uploads, deferred, no wait {connection.vendor}: {UPLOADS} at once, "
        f"{server_errors(answers)} 5xx, {rows} attachments, {files - rows} orphan files",
    )
    assert server_errors(answers) > 0  # the control fails as it should...
    assert files == rows  # ...and leaves no file behind for the uploads it lost
