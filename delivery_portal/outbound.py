"""Outbound HTTP to addresses people typed in: team webhooks, Slack webhooks, traffic
routers, metrics providers, pagers.

A manager who may set a webhook URL must not thereby make the portal's worker POST to the
cloud metadata service (169.254.169.254), to Redis or PostgreSQL on localhost, or to any
other internal address. So every such URL is checked twice:

- when it is saved: `validate_url(url)` (forms, serializers and model `clean` call it);
- when it is sent: `post(...)`/`get(...)` resolve the name again and refuse an internal
  address, because DNS may answer differently at send time than it did at save time.

Internal means loopback, link-local, private (RFC 1918, unique-local IPv6), unspecified,
multicast or reserved. A host listed in `settings.OUTBOUND_ALLOWED_HOSTS` (host names or
CIDRs, from the environment variable of the same name) is allowed anyway: that is how a
company allows its own Prometheus or router, and how the tests allow 127.0.0.1.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError

SCHEMES = ("http", "https")


class OutboundRefused(ValueError):
    """The destination is internal and not allowed (or not a valid http(s) URL)."""


def _allowed_entries():
    hosts, networks = set(), []
    for entry in getattr(settings, "OUTBOUND_ALLOWED_HOSTS", ()) or ():
        entry = entry.strip().lower()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            hosts.add(entry)
    return hosts, networks


def _is_internal(address) -> bool:
    return (
        address.is_loopback or address.is_link_local or address.is_private or address.is_unspecified
        or address.is_multicast or address.is_reserved
        or (address.version == 6 and address.ipv4_mapped is not None and _is_internal(address.ipv4_mapped))
    )


def _resolve(host: str, port: int) -> list:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundRefused(f"The host {host} cannot be resolved.") from exc
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def check(url: str, *, resolve: bool = True) -> None:
    """Raise OutboundRefused unless `url` is an http(s) URL to an allowed destination.

    With `resolve=False` only literal IP addresses and `localhost` are judged (for a
    save-time check where the name may not resolve from this machine yet)."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise OutboundRefused("This is not a valid URL.") from exc
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise OutboundRefused("Use an http:// or https:// URL with a host name.")
    host = parts.hostname.lower().rstrip(".")
    hosts, networks = _allowed_entries()
    if host in hosts:
        return
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        if host == "localhost" or host.endswith(".localhost"):
            addresses = [ipaddress.ip_address("127.0.0.1")]
        elif resolve:
            addresses = _resolve(host, port)
        else:
            return
    for address in addresses:
        if any(address in network for network in networks):
            continue
        if _is_internal(address):
            raise OutboundRefused(
                f"{host} is an internal address ({address}); the portal does not send to loopback, "
                "link-local or private addresses unless OUTBOUND_ALLOWED_HOSTS lists the host."
            )


def validate_url(url: str) -> None:
    """Django validator: a form or serializer error for an internal or malformed URL."""
    if not url:
        return
    try:
        check(url)
    except OutboundRefused as exc:
        raise ValidationError(str(exc), code="outbound_refused") from exc


def request(method: str, url: str, **kwargs) -> requests.Response:
    """`requests.request` after checking the destination again at send time. Redirects are
    not followed: a redirect to an internal address would walk around the check."""
    check(url)
    kwargs.setdefault("allow_redirects", False)
    return requests.request(method, url, **kwargs)


def post(url: str, **kwargs) -> requests.Response:
    return request("POST", url, **kwargs)


def get(url: str, **kwargs) -> requests.Response:
    return request("GET", url, **kwargs)
