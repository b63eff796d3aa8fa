"""Which URLs and addresses Pesanan may call (pure): the SSRF guard.

Checked twice: when a URL is configured (a clear 422 naming the reason) and again at send time
on every address DNS gave for the host, right before connecting to that very address (see
outbound/client.py), so a name that resolves elsewhere later (DNS rebinding) gains nothing.

A host made only of numbers and dots is read the way libc's inet_aton and browsers read it
(WHATWG URL "ends in a number"): `2130706433`, `0x7f.0.0.1`, `0177.1`, `127.1` and `0` are all
IPv4 addresses, so they are checked as the address they are, not as names.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Ranges refused whatever `is_global` says on this Python (its tables changed across 3.11-3.13).
_REFUSED: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "unspecified"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "cgnat"),  # carrier-grade NAT; also Alibaba's metadata 100.100.100.200
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link_local"),  # 169.254.169.254: AWS, GCP, Azure metadata
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved"),  # IETF protocol assignments; 192.0.0.192: Oracle metadata
    ("192.0.2.0/24", "reserved"),
    ("192.88.99.0/24", "reserved"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "reserved"),
    ("198.51.100.0/24", "reserved"),
    ("203.0.113.0/24", "reserved"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),  # includes 255.255.255.255
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("fd00:ec2::254/128", "metadata"),  # AWS metadata over IPv6 (inside fc00::/7 as well)
    ("fc00::/7", "private"),
    ("fe80::/10", "link_local"),
    ("fec0::/10", "reserved"),
    ("ff00::/8", "multicast"),
    ("100::/64", "reserved"),
    ("2001:db8::/32", "reserved"),
)
_REFUSED_NETS: tuple[tuple[Network, str], ...] = tuple(
    (ipaddress.ip_network(n), why) for n, why in _REFUSED)

# IPv6 forms that carry an IPv4 address inside: the IPv4 one is what would be reached.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPAT = ipaddress.ip_network("::/96")

_LOOPBACK = ipaddress.IPv4Address("127.0.0.1")
_LOCAL_SUFFIXES = (".local", ".internal", ".intranet", ".lan", ".home.arpa", ".in-addr.arpa",
                   ".ip6.arpa")

REASONS = {
    "scheme": "only http and https URLs can be called",
    "credentials": "a URL must not carry a user name or password",
    "host": "the URL has no valid host",
    "port": "the URL has an invalid port",
    "unspecified": "the address is unspecified (0.0.0.0 or ::)",
    "loopback": "the address is loopback (this machine)",
    "private": "the address is private (an internal network)",
    "link_local": "the address is link-local (cloud metadata lives there)",
    "metadata": "the address is a cloud metadata service",
    "cgnat": "the address is carrier-grade NAT space (100.64.0.0/10)",
    "multicast": "the address is multicast",
    "reserved": "the address is reserved, not a public Internet address",
    "not_global": "the address is not a public Internet address",
    "local_name": "the host name is local to this machine or network",
}


class AddressRefused(ValueError):
    """`code` is a key of REASONS; the message names the address when there is one."""

    def __init__(self, code: str, address: str | None = None) -> None:
        self.code = code
        self.address = address
        super().__init__(REASONS[code] + (f": {address}" if address else ""))


@dataclass(frozen=True)
class Policy:
    """Which non-public addresses are allowed anyway: an explicit list for development and
    tests (PESANAN_OUTBOUND_ALLOW="127.0.0.1,::1" or CIDRs). Empty: public addresses only."""

    allow: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, spec: str) -> Policy:
        nets = []
        for part in (p.strip() for p in spec.split(",")):
            if part:
                nets.append(ipaddress.ip_network(part, strict=False))
        return cls(tuple(nets))

    def allows(self, ip: IPAddress) -> bool:
        return any(ip.version == n.version and ip in n for n in self.allow)


@dataclass(frozen=True)
class Target:
    scheme: str  # http | https
    host: str  # lower-case name, or an IP address in its canonical form
    port: int
    ip: IPAddress | None  # set when the host is an address literal (in any disguise)


def refusal(ip: IPAddress, policy: Policy) -> str | None:
    """None when `ip` may be called, else the REASONS code it is refused for."""
    if policy.allows(ip):
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            return refusal(inner, policy)
    for net, why in _REFUSED_NETS:
        if ip.version == net.version and ip in net:
            return why
    if not ip.is_global:
        return "not_global"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:  # ::ffff:127.0.0.1
        return ip.ipv4_mapped
    if ip.sixtofour is not None:  # 2002:7f00:0001::
        return ip.sixtofour
    if ip.teredo is not None:  # 2001:0::/32: the client address, obfuscated
        return ipaddress.IPv4Address(int(ip.teredo[1]))
    if ip in _NAT64 or (ip in _IPV4_COMPAT and int(ip) > 1):  # 64:ff9b::7f00:1, ::127.0.0.1
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def parse_target(url: str) -> Target:
    """Scheme, host and port of a URL of the callable kind (http/https, no credentials, a
    valid host); AddressRefused otherwise. A host that is an address (in any disguise) comes
    back in `ip`."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise AddressRefused("port") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise AddressRefused("scheme")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise AddressRefused("credentials")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise AddressRefused("host")
    ip = host_address(host)
    default = 443 if scheme == "https" else 80
    return Target(scheme, str(ip) if ip else host, port or default, ip)


def check_url(url: str, policy: Policy) -> Target:
    """parse_target, plus the address rules for an address literal and for names that can
    only be local: all a URL alone can tell (names are checked again after DNS)."""
    target = parse_target(url)
    host = target.host
    if target.ip is None and (host == "localhost" or host.endswith(".localhost")):
        # Always this machine (RFC 6761): checked as 127.0.0.1, so an allow-list admits it.
        if refusal(_LOOPBACK, policy) is not None:
            raise AddressRefused("local_name", host)
    elif target.ip is None and host.endswith(_LOCAL_SUFFIXES) and not policy.allow:
        # Names only an internal resolver knows. With an allow-list (development) they pass
        # here; the address they resolve to is still checked at send time.
        raise AddressRefused("local_name", host)
    if target.ip is not None:
        why = refusal(target.ip, policy)
        if why is not None:
            raise AddressRefused(why, str(target.ip))
    return target


def host_address(host: str) -> IPAddress | None:
    """The IP address a URL host denotes, or None for a name. Raises AddressRefused for a host
    that ends in a number but is not a valid IPv4 address (browsers refuse those too)."""
    if host.startswith("[") or ":" in host:
        try:
            ip6 = ipaddress.IPv6Address(host.strip("[]").split("%")[0])
        except ValueError:
            raise AddressRefused("host", host) from None
        return ip6
    labels = host.split(".")
    if not _numeric(labels[-1]):
        return None
    try:
        return _inet_aton(labels)
    except ValueError:
        raise AddressRefused("host", host) from None


def _numeric(label: str) -> bool:
    if label.lower().startswith("0x"):
        return all(c in "0123456789abcdefABCDEF" for c in label[2:])
    return label != "" and all(c in "0123456789" for c in label)


def _part(label: str) -> int:
    # ASCII digits only: int() would also take "²" or "①" and full-width digits.
    if label.lower().startswith("0x"):
        digits, base = label[2:] or "0", 16
    elif len(label) > 1 and label.startswith("0"):
        digits, base = label[1:], 8
    else:
        digits, base = label, 10
    allowed = "0123456789abcdefABCDEF"[: base if base < 16 else 22]
    if not digits or any(c not in allowed for c in digits):
        raise ValueError(label)
    return int(digits, base)


def _inet_aton(labels: list[str]) -> ipaddress.IPv4Address:
    """a, a.b, a.b.c, a.b.c.d with each part decimal, octal (leading 0) or hex (0x): the last
    part fills the remaining bytes. As inet_aton(3) and the WHATWG IPv4 parser do."""
    if len(labels) > 4:
        raise ValueError("too many parts")
    nums = [_part(x) for x in labels]
    if any(n > 255 for n in nums[:-1]) or nums[-1] >= 256 ** (5 - len(nums)):
        raise ValueError("part out of range")
    value = nums[-1]
    for i, n in enumerate(nums[:-1]):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)
