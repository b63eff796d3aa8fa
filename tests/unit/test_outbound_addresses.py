"""The SSRF guard's address rules, with the allow-list off: every disguise of loopback, the
metadata services and the private ranges is refused; public addresses and names pass."""

from __future__ import annotations

import ipaddress

import pytest

from pesanan.outbound.addresses import AddressRefused, Policy, check_url, refusal

OFF = Policy()


@pytest.mark.parametrize(("url", "code", "address"), [
    ("http://127.0.0.1/", "loopback", "127.0.0.1"),
    ("http://2130706433/", "loopback", "127.0.0.1"),  # one decimal number
    ("http://0x7f.0.0.1/", "loopback", "127.0.0.1"),  # hex first part
    ("http://0x7f000001/", "loopback", "127.0.0.1"),
    ("http://0177.0.0.1/", "loopback", "127.0.0.1"),  # octal first part
    ("http://127.1/", "loopback", "127.0.0.1"),  # short form: last part fills the rest
    ("http://127.0.1/", "loopback", "127.0.0.1"),
    ("http://127.0.0.1./", "loopback", "127.0.0.1"),  # trailing dot
    ("http://0/", "unspecified", "0.0.0.0"),
    ("http://0.0.0.0:8000/", "unspecified", "0.0.0.0"),
    ("http://[::1]/", "loopback", "::1"),
    ("http://[::]/", "unspecified", "::"),
    ("http://[::ffff:127.0.0.1]/", "loopback", "::ffff:7f00:1"),  # IPv4-mapped
    ("http://[::ffff:7f00:1]/", "loopback", "::ffff:7f00:1"),
    ("http://[::127.0.0.1]/", "loopback", "::7f00:1"),  # IPv4-compatible (deprecated)
    ("http://[64:ff9b::127.0.0.1]/", "loopback", "64:ff9b::7f00:1"),  # NAT64
    ("http://[2002:7f00:1::]/", "loopback", "2002:7f00:1::"),  # 6to4
    ("http://169.254.169.254/latest/meta-data/", "link_local", "169.254.169.254"),
    ("http://2852039166/", "link_local", "169.254.169.254"),
    ("http://[::ffff:169.254.169.254]/", "link_local", "::ffff:a9fe:a9fe"),
    ("http://[fd00:ec2::254]/", "metadata", "fd00:ec2::254"),
    ("http://100.100.100.200/", "cgnat", "100.100.100.200"),  # Alibaba metadata
    ("http://100.64.0.1/", "cgnat", "100.64.0.1"),
    ("http://192.0.0.192/", "reserved", "192.0.0.192"),  # Oracle metadata
    ("http://10.1.2.3/", "private", "10.1.2.3"),
    ("http://172.16.0.1/", "private", "172.16.0.1"),
    ("http://192.168.1.1/", "private", "192.168.1.1"),
    ("http://[fc00::1]/", "private", "fc00::1"),
    ("http://[fe80::1]/", "link_local", "fe80::1"),
    ("http://224.0.0.1/", "multicast", "224.0.0.1"),
    ("http://[ff02::1]/", "multicast", "ff02::1"),
    ("http://255.255.255.255/", "reserved", "255.255.255.255"),
    ("http://240.0.0.1/", "reserved", "240.0.0.1"),
    ("http://198.18.0.1/", "reserved", "198.18.0.1"),
])
def test_every_disguise_of_an_internal_address_is_refused(url: str, code: str,
                                                          address: str) -> None:
    with pytest.raises(AddressRefused) as refused:
        check_url(url, OFF)
    assert (refused.value.code, refused.value.address) == (code, address)


@pytest.mark.parametrize(("url", "code"), [
    ("http://user:pw@3pl.example/", "credentials"),
    ("http://3pl.example\\@127.0.0.1/", "credentials"),  # parsers disagree on "\\": refuse
    ("http://127.0.0.1#@3pl.example/", "loopback"),  # the host is before the fragment
    ("http://127.0.0.1?@3pl.example/", "loopback"),
    ("https://token@3pl.example/", "credentials"),
    ("http://:pw@3pl.example/", "credentials"),
    ("ftp://3pl.example/", "scheme"),
    ("file:///etc/passwd", "scheme"),
    ("gopher://127.0.0.1:25/", "scheme"),
    ("http:///nohost", "host"),
    ("http://3pl.example:99999/", "port"),
    ("http://256.1.1.1/", "host"),  # ends in a number but is no address: not a name either
    ("http://1.2.3.4.5/", "host"),
    ("http://0x1g.0.0.1/", "host"),
    ("http://08.0.0.1/", "host"),  # 8 is not an octal digit
    ("http://localhost:8000/", "local_name"),
    ("http://api.localhost/", "local_name"),
    ("http://printer.local/", "local_name"),
    ("http://metadata.google.internal/", "local_name"),
])
def test_urls_that_are_not_plain_http_to_a_public_host_are_refused(url: str,
                                                                    code: str) -> None:
    with pytest.raises(AddressRefused) as refused:
        check_url(url, OFF)
    assert refused.value.code == code


@pytest.mark.parametrize("url", [
    "https://3pl.example/orders", "http://8.8.8.8/", "http://134744072/",
    "https://[2606:4700:4700::1111]/dns", "https://fulfil.mitra3pl.co.id:8443/v1/in",
])
def test_public_addresses_and_names_pass(url: str) -> None:
    assert check_url(url, OFF).scheme in ("http", "https")


def test_the_allow_list_admits_exactly_what_it_names() -> None:
    dev = Policy.parse("127.0.0.1, ::1, 10.20.0.0/16")
    assert check_url("http://127.0.0.1:8080/", dev).port == 8080
    assert check_url("http://[::1]/", dev).ip == ipaddress.ip_address("::1")
    assert refusal(ipaddress.ip_address("10.20.3.4"), dev) is None
    assert refusal(ipaddress.ip_address("10.21.3.4"), dev) == "private"
    assert refusal(ipaddress.ip_address("127.0.0.2"), dev) == "loopback"
    assert refusal(ipaddress.ip_address("169.254.169.254"), dev) == "link_local"
    assert check_url("http://localhost:8000/", dev).host == "localhost"
    assert check_url("http://mock-3pl.internal/", dev).port == 80  # DNS decides at send time
