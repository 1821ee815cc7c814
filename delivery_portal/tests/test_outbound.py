"""The outbound guard refuses internal destinations unless allowed, at save and send time."""

import socket

import pytest
from django.core.exceptions import ValidationError

from delivery_portal import outbound


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:6379/",
    "http://localhost:5432/",
    "http://10.0.0.5/hook",
    "http://192.168.1.1/",
    "http://[::1]:8080/",
    "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0/",
])
def test_internal_addresses_are_refused(settings, url):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    with pytest.raises(outbound.OutboundRefused):
        outbound.check(url)
    with pytest.raises(ValidationError):
        outbound.validate_url(url)


@pytest.mark.parametrize("url", ["ftp://example.com/", "not a url", "http:///path", "file:///etc/passwd"])
def test_malformed_urls_are_refused(url):
    with pytest.raises(outbound.OutboundRefused):
        outbound.check(url)


def test_public_address_is_allowed(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    outbound.check("https://93.184.215.14/hook")


def test_allowed_hosts_and_cidrs(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1", "10.20.0.0/16", "prometheus.internal"]
    outbound.check("http://127.0.0.1:9090/")
    outbound.check("http://10.20.3.4/")
    outbound.check("http://prometheus.internal:9090/")  # allowed by name: not even resolved
    with pytest.raises(outbound.OutboundRefused):
        outbound.check("http://10.21.0.1/")


def test_name_is_resolved_again_at_send_time(settings, monkeypatch):
    """A name that resolved to a public address when saved but to an internal one when
    sent (DNS rebinding) is refused at send time, before any connection is made."""
    settings.OUTBOUND_ALLOWED_HOSTS = []
    answers = {"hooks.example.test": "93.184.215.14"}

    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    outbound.validate_url("http://hooks.example.test/x")  # fine when saved
    answers["hooks.example.test"] = "169.254.169.254"
    with pytest.raises(outbound.OutboundRefused):
        outbound.post("http://hooks.example.test/x", data=b"{}", timeout=1)
