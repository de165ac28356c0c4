"""Where a webhook may go. A subscription's URL is typed by staff, but the request leaves from the
app's own network: a URL naming a loopback, private, link-local or otherwise non-public address
(a metadata service, an internal admin page) would make the app a way in. Such a destination is
refused when the subscription is saved and again before each delivery (the name may have moved),
unless `WEBHOOK_PRIVATE_ADDRESSES` allows it (a receiver inside the company's own network).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext


def destination_refusal(url: str) -> str:
    """Why a webhook may not be sent to `url`, in words; '' when it may."""
    if settings.WEBHOOK_PRIVATE_ADDRESSES:
        return ""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (ValueError, OSError):
        return gettext("%(host)s cannot be resolved to an address.") % {"host": host or url}
    for *_, address in found:
        ip = ipaddress.ip_address(address[0])
        if not ip.is_global:
            return gettext(
                "%(host)s is %(ip)s, not a public address: webhooks go only to receivers on the "
                "internet unless WEBHOOK_PRIVATE_ADDRESSES allows the organisation's own network."
            ) % {"host": host, "ip": ip}
    return ""
