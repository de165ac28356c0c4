"""A mail backend for a worker in another process (tests/test_outbox_worker.py): each e-mail
"sent" appends its Message-ID as one line to the file OUTBOX_TEST_MAIL_FILE names, after a pause
of OUTBOX_TEST_SEND_SECONDS, as a mail server would take."""

import os
import time

from django.core.mail.backends.base import BaseEmailBackend


class MessageIdFileBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        path = os.environ["OUTBOX_TEST_MAIL_FILE"]
        pause = float(os.environ.get("OUTBOX_TEST_SEND_SECONDS", "0"))
        for message in email_messages:
            time.sleep(pause)
            line = f"{message.message()['Message-ID']}\n".encode()
            # One append of one line: a process killed at any moment leaves whole lines only.
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(descriptor, line)
            finally:
                os.close(descriptor)
        return len(email_messages)
