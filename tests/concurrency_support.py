"""Many requests at once: threads released together, a live server whose requests each open their
own database connection, and (on SQLite) the test database copied to a file, as the embedded
default runs it. Used by tests/test_review_concurrency.py and tests/test_concurrency_*.py."""

import json
import sqlite3
import threading
import urllib.error
import urllib.request
from contextlib import closing, contextmanager
from dataclasses import dataclass

from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection, connections
from django.test import Client
from django.test.testcases import LiveServerThread

from reviews.models import Review

from .reviews_support import answer_and_verify_checklist, make_council

#: Bounds every request, so a stuck server fails the test instead of hanging it.
REQUEST_TIMEOUT = 30
CSRF = "concurrencytestsecret0123456789a"  # 32 characters: a CSRF secret, sent as cookie and header


def review_open_for_votes(make_use_case, team_member):
    """A submitted use case's review with the council seated and its checklist verified."""
    make_council()
    review = make_use_case("submitted").reviews.get()
    answer_and_verify_checklist(review, team_member)
    return Review.objects.get(pk=review.pk)


def run_at_once(calls):
    """Start every call together from its own thread; return the exceptions raised."""
    return [outcome for outcome in results_at_once(calls) if isinstance(outcome, Exception)]


def results_at_once(calls):
    """Start every call together from its own thread; return each one's result or exception, in
    the order of the calls."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001  (collected and asserted by the test)
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


#: Requests the server handles at once, like a production server's pool of workers and threads
#: (and within PostgreSQL's 100 connections while two test workers run such tests).
SERVER_THREADS = 16


class _Server(ThreadedWSGIServer):
    # Django's development server queues 10 connections; a burst of 50 would be refused.
    request_queue_size = 128

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.workers = threading.BoundedSemaphore(SERVER_THREADS)

    def process_request_thread(self, request, client_address):
        with self.workers:
            super().process_request_thread(request, client_address)


class _ServerThread(LiveServerThread):
    server_class = _Server


@contextmanager
def live_server():
    """A threaded server on a free port, each request on its own connection to the test
    database (pytest-django's `live_server` shares one connection on in-memory SQLite)."""
    thread = _ServerThread("127.0.0.1", lambda handler: handler, connections_override=None)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    try:
        yield f"http://127.0.0.1:{thread.port}"
    finally:
        thread.terminate()


@contextmanager
def database_on_file(folder, **options):
    """On SQLite, for the block: the test database copied to a file in `folder`, which every new
    connection (the server's requests, and this thread's) opens with the settings' OPTIONS, or
    these `options` instead when given (a control run). On PostgreSQL: nothing to do."""
    main = connections["default"]
    if main.vendor != "sqlite":
        yield
        return
    main.ensure_connection()
    path = folder / "council.sqlite3"
    with closing(sqlite3.connect(path)) as target:
        main.connection.backup(target)
    settings_dict = main.settings_dict  # shared by the connections every thread opens
    saved = settings_dict["NAME"], settings_dict["OPTIONS"], main.connection
    settings_dict["NAME"] = str(path)
    if options:
        settings_dict["OPTIONS"] = options
    main.connection = None  # the in-memory database stays open, held by `saved`
    try:
        yield
    finally:
        main.close()
        settings_dict["NAME"], settings_dict["OPTIONS"], main.connection = saved


@contextmanager
def served(folder, **options):
    """with served(tmp_path) as url: a live server on the test database (on SQLite a file copy
    of it, opened with the settings' OPTIONS, or these `options` for a control run)."""
    with database_on_file(folder, **options), live_server() as url:
        yield url


@dataclass
class Answer:
    status: int
    body: dict | list | str
    headers: dict


class Session:
    """HTTP as a signed-in user: the session cookie and the CSRF token a browser would send."""

    def __init__(self, base_url, user):
        client = Client()
        client.force_login(user)
        self.base_url = base_url
        self.cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken={CSRF}"

    def post(self, path, data=None, headers=None) -> Answer:
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(data or {}).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Cookie": self.cookie,
                "X-CSRFToken": CSRF,
                **(headers or {}),
            },
        )
        return self._send(request)

    def upload(self, path, field, name, content: bytes, data=None) -> Answer:
        """A multipart POST of one file (`field`) and plain fields (`data`)."""
        boundary = "concurrency-test-boundary"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
            for key, value in (data or {}).items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(
            self.base_url + path,
            data=b"".join(parts),
            method="POST",
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Accept": "application/json",
                "Cookie": self.cookie,
                "X-CSRFToken": CSRF,
            },
        )
        return self._send(request)

    @staticmethod
    def _send(request) -> Answer:
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                return _answer(response.status, response.read(), response.headers)
        except urllib.error.HTTPError as error:
            return _answer(error.code, error.read(), error.headers)


def _answer(status, content, headers) -> Answer:
    try:
        body = json.loads(content)
    except ValueError:
        body = content.decode(errors="replace")[:300]
    return Answer(status=status, body=body, headers=dict(headers))


def post_at_once(session, path, data, count, headers=None) -> list[Answer]:
    """`count` identical POSTs released together; a request that never got an answer fails."""
    return answered(results_at_once([lambda: session.post(path, data, headers)] * count))


def answered(outcomes) -> list[Answer]:
    """The answers of requests sent at once; a request that never got one fails the test."""
    failed = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert not failed, failed[:3]
    return outcomes


def tally(answers) -> dict[int, int]:
    """{status: how many}"""
    counts: dict[int, int] = {}
    for answer in answers:
        counts[answer.status] = counts.get(answer.status, 0) + 1
    return dict(sorted(counts.items()))


def server_errors(answers) -> int:
    return sum(answer.status >= 500 for answer in answers)
