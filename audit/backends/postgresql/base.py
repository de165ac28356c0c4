from django.db.backends.postgresql import base

from audit.backends import ChainAppendingMixin


class DatabaseWrapper(ChainAppendingMixin, base.DatabaseWrapper):
    pass
