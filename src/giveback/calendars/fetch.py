"""Fetch a volunteer's calendar by URL without letting the URL reach inside the network (SSRF).

Only http and https. The host is resolved first and every address it resolves to must be public: no
loopback, private, link-local (cloud metadata 169.254.169.254), reserved, multicast or unspecified
address, and none of the IPv6 transition ranges that carry an IPv4 address inside (6to4, Teredo, NAT64,
IPv4-compatible and -translated), which a relay could deliver to an internal host. Redirects are followed by
hand (at most ``MAX_REDIRECTS``), each target checked again. The body is streamed and cut at ``MAX_BYTES`` (counted
after decompression: a server may send gzip or deflate even unasked, and a small compressed body cannot grow past
the cap); the whole fetch must finish within ``TOTAL_SECONDS``; at most ``MAX_CONCURRENT_FETCHES`` run at once in
a process.

A host that cannot be found and a host that is not public get the same answer, so the error a volunteer sees
reveals nothing about the internal network's names.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import weakref
from collections.abc import Collection
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

MAX_BYTES = 16 * 1024 * 1024  # a calendar kept for ten years in Google Calendar exports some 5–10 MiB
TOTAL_SECONDS = 10.0
MAX_REDIRECTS = 3
MAX_CONCURRENT_FETCHES = 8
USER_AGENT = "Giveback calendar import (+availability)"


class FetchError(Exception):
    """The calendar could not be fetched; the message says why in words a volunteer understands."""


_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _fetch_slot() -> asyncio.Semaphore:
    """The running event loop's limit of concurrent fetches (a semaphore belongs to one loop)."""
    loop = asyncio.get_running_loop()
    if loop not in _slots:
        _slots[loop] = asyncio.Semaphore(MAX_CONCURRENT_FETCHES)
    return _slots[loop]


# Ranges Python's ``is_global`` lets pass but a fetch must not reach: addresses that embed an IPv4 address for a
# relay or translator to deliver (it may be internal), deprecated site-local IPv6, and IANA's protocol block.
NOT_PUBLIC_RANGES = tuple(
    ipaddress.ip_network(network)
    for network in (
        "2002::/16",  # 6to4
        "2001::/32",  # Teredo
        "64:ff9b::/96",  # NAT64, well-known prefix
        "64:ff9b:1::/48",  # NAT64, local use
        "::/96",  # IPv4-compatible (deprecated)
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "fec0::/10",  # site-local (deprecated)
        "192.0.0.0/24",  # IETF protocol assignments
    )
)


def unreachable(host: str) -> FetchError:
    """The one answer for a host that cannot be found and a host that is not public."""
    return FetchError(f"the calendar address on {host} cannot be reached from here; give its public address")


def forbidden_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        any(ip in network for network in NOT_PUBLIC_RANGES if network.version == ip.version)
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


async def check_url(url: str, *, allow_hosts: Collection[str] = ()) -> str:
    """Refuse a URL that is not http(s) or whose host resolves to a non-public address.

    Returns the checked address the request must connect to, so a second DNS answer (rebinding) cannot
    send the request elsewhere.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError("only http:// and https:// calendar addresses can be imported")
    host = parts.hostname
    if not host:
        raise FetchError("the calendar address has no host name")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchError("the calendar address has a malformed port") from None
    try:
        infos = await asyncio.to_thread(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise unreachable(host) from None
    addresses = sorted({str(info[4][0]) for info in infos})
    if not addresses or (f"{host}:{port}" not in allow_hosts and any(forbidden_address(a) for a in addresses)):
        raise unreachable(host)
    return addresses[0]


def pinned(url: str, address: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """The URL with its host replaced by the checked address, the Host header, and the TLS server name."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    host_header = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc)), {"Host": host_header}, {"sni_hostname": host}


async def _get(client: httpx.AsyncClient, url: str, address: str, max_bytes: int) -> tuple[int, str | None, bytes]:
    target, headers, extensions = pinned(url, address)
    async with client.stream("GET", target, headers=headers, extensions=extensions) as response:
        if response.is_redirect:
            return response.status_code, response.headers.get("location"), b""
        if response.status_code != 200:
            return response.status_code, None, b""
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(f"the calendar is larger than {max_bytes // 1024 // 1024} MiB")
        body = bytearray()
        async for chunk in response.aiter_bytes():  # decoded as Content-Encoding says
            body.extend(chunk)
            if len(body) > max_bytes:
                raise FetchError(f"the calendar is larger than {max_bytes // 1024 // 1024} MiB")
        return 200, None, bytes(body)


async def fetch_calendar(
    url: str,
    *,
    allow_hosts: Collection[str] = (),
    max_bytes: int = MAX_BYTES,
    total_seconds: float = TOTAL_SECONDS,
) -> bytes:
    """The calendar's bytes, or ``FetchError``.

    ``allow_hosts`` ("host:port" entries) lets tests reach a server on loopback; the application passes none.
    """
    if url.startswith("webcal://"):
        url = "https://" + url.removeprefix("webcal://")
    try:
        async with (
            _fetch_slot(),
            asyncio.timeout(total_seconds),
            httpx.AsyncClient(
                follow_redirects=False,
                timeout=httpx.Timeout(total_seconds),
                headers={"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5", "Accept-Encoding": "gzip"},
                trust_env=False,
            ) as client,
        ):
            for _ in range(MAX_REDIRECTS + 1):
                address = await check_url(url, allow_hosts=allow_hosts)
                status, location, body = await _get(client, url, address, max_bytes)
                if location is not None:
                    url = urljoin(url, location)
                    continue
                if status != 200:
                    raise FetchError(f"the calendar server answered HTTP {status}")
                return body
            raise FetchError(f"the calendar address redirects more than {MAX_REDIRECTS} times")
    except TimeoutError:
        raise FetchError(f"the calendar server did not answer within {total_seconds:g} seconds") from None
    except httpx.DecodingError:
        raise FetchError("the calendar server sent a compressed answer that cannot be unpacked") from None
    except httpx.HTTPError as error:
        raise FetchError(f"the calendar could not be fetched ({type(error).__name__})") from None
