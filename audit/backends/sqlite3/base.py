from django.db.backends.sqlite3 import base

from audit.backends import ChainAppendingMixin


class DatabaseWrapper(ChainAppendingMixin, base.DatabaseWrapper):
    pass
