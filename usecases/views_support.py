from django.http import FileResponse

from common.files import download_response


def attachment_response(attachment) -> FileResponse:
    """Serve a stored attachment as a download, never rendered inline by the browser."""
    return download_response(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )
