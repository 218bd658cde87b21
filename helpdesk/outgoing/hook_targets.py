"""Where a webhook may point: public addresses only, unless WEBHOOK_ALLOW_PRIVATE is set.

A hook must not become a way into the internal network (the database, a metadata service,
an admin port on localhost), so the host is resolved and every address it gives is
checked, when the hook is registered and again at each delivery (DNS can change in
between); the delivery then connects to the address that was checked.
"""

import ipaddress
import socket

from flask import current_app


def _blocked(ip):
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
            or ip.is_reserved or ip.is_unspecified
            or (ip.version == 6 and ip.ipv4_mapped is not None and _blocked(ip.ipv4_mapped)))


def resolve(host, port):
    """The addresses `host` resolves to (strings), [] when it does not resolve."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(info[4][0] for info in found))


def refusal(host, port):
    """Why a hook may not go to host:port now, or None (the first usable address is kept
    by `usable`)."""
    return usable(host, port)[1]


def usable(host, port):
    """(address to connect to, None), or (None, why not)."""
    found = resolve(host, port)
    if not found:
        return None, f"{host} does not resolve to an address."
    if current_app.config["WEBHOOK_ALLOW_PRIVATE"]:
        return found[0], None
    for address in found:
        if _blocked(ipaddress.ip_address(address.split("%")[0])):
            return None, (f"{host} points at a private or local address ({address}); "
                          "webhooks go to public addresses only.")
    return found[0], None
