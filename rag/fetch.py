"""Fetches one web resource politely and safely: the only place rag-news opens a connection to
a web server.

Contract: `Fetcher.get(url)` returns the final `Fetched` response (status 200, or 304 for a
conditional request whose resource is unchanged) or raises `FetchError` with a short reason.
- Only http and https. Every hop (redirects are followed by hand, at most `MAX_REDIRECTS`) is
  checked before it is requested: its host is resolved once (getaddrinfo) and refused when any
  address is loopback, link-local, private, multicast, reserved or unspecified, unless
  `allow_private` is on. The connection then goes to the address that was checked (the URL's
  host is replaced by that IP; the Host header and the TLS SNI and certificate check keep the
  name), so a second DNS answer cannot move it elsewhere (no DNS rebinding). Connections are
  not kept alive, so one checked connection is never reused for another name; proxies from the
  environment are ignored.
- robots.txt is honoured (fetched through the same checks, cached per origin; its
  Crawl-delay is kept, up to `MAX_CRAWL_DELAY`); one request at a time per host.
- A clear User-Agent, a timeout for the whole response, and a size limit: the body is
  streamed (decompressed) and reading stops beyond `max_bytes`.
Knows nothing about HTML, feeds, articles or the store.
"""

from __future__ import annotations

import codecs
import ipaddress
import re
import socket
import threading
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from rag import __version__
from rag.config import Settings
from rag.errors import RagError

USER_AGENT = f"rag-news/{__version__} (+local)"
ROBOTS_AGENT = "rag-news"
MAX_REDIRECTS = 5
MAX_ROBOTS_BYTES = 512_000
ROBOTS_TTL = 6 * 3600.0  # seconds a site's robots.txt is trusted before it is read again
MAX_CRAWL_DELAY = 30.0  # seconds; a longer Crawl-delay is shortened to this
REDIRECTS = (301, 302, 303, 307, 308)
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_WINDOWS_1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii"}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_ALLOW_HINT = "set allow_private_urls to fetch it"

Resolver = Callable[[str, int], list[str]]


class FetchError(RagError):
    """A resource could not be fetched; `transient` when trying later may work."""

    def __init__(self, url: str, reason: str, transient: bool = False) -> None:
        super().__init__(f"{url}: {reason}")
        self.url, self.reason, self.transient = url, reason, transient


@dataclass(frozen=True)
class Fetched:
    url: str  # the final URL, after redirects
    status: int  # 200, or 304 (not modified) for a conditional request
    content_type: str  # media type, lowercased, without parameters ("" when not sent)
    charset: str | None  # from the Content-Type header
    body: bytes
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def text(self) -> str:
        """The body decoded: BOM, then the header's charset, then an HTML meta charset, then
        UTF-8, else windows-1252 (what browsers assume)."""
        return decode(self.body, self.charset)


def decode(body: bytes, charset: str | None = None) -> str:
    """Bytes of a web page as text, decoded the way `Fetched.text` says."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le")):
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, "replace")
    if body.startswith(codecs.BOM_UTF16_BE):
        return body[2:].decode("utf-16-be", "replace")
    meta = _META_CHARSET.search(body[:4096])
    for label in (charset, meta.group(1).decode("ascii") if meta else None):
        name = (label or "").strip().lower()
        try:  # an unknown label, or a non-text codec such as base64, is a LookupError
            return body.decode("cp1252" if name in _WINDOWS_1252 else name, "replace")
        except LookupError:
            continue
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", "replace")


def address_problem(address: str) -> str | None:
    """Why a client must not connect to this IP address unasked, or None for a public one.
    An IPv6 address that carries an IPv4 one (mapped, 6to4, Teredo, NAT64) is judged by it."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is None and ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            problem = address_problem(str(inner))
            return f"{ip} ({problem})" if problem else None
    kinds = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("non-public", not ip.is_global),
    )
    kind = next((name for name, flag in kinds if flag), None)
    return f"{ip} is a {kind} address" if kind else None


def resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (numeric forms such as 2130706433
    or 0177.0.0.1 come back as the address they stand for)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in found))


class Fetcher:
    """GETs web resources under the rules of the module docstring. Safe to share between
    threads: requests to one host wait for each other."""

    def __init__(
        self,
        allow_private: bool = False,
        max_bytes: int = 5_000_000,
        timeout: float = 20.0,
        resolver: Resolver = resolve,
    ) -> None:
        self.allow_private, self.max_bytes, self.timeout = allow_private, max_bytes, timeout
        self._resolve = resolver
        self._client = httpx.Client(
            follow_redirects=False,
            trust_env=False,  # no proxy from the environment: we connect where we checked
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_keepalive_connections=0),
            headers={"User-Agent": USER_AGENT, "Accept": ACCEPT, "Connection": "close"},
        )
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._last_request: dict[str, float] = {}
        self._robots: dict[str, tuple[float, _Robots | FetchError]] = {}  # origin: (when, rules)

    @classmethod
    def from_settings(cls, settings: Settings) -> Fetcher:
        return cls(settings.allow_private_urls, settings.max_fetch_bytes, settings.fetch_timeout)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """The resource at `url`, after at most MAX_REDIRECTS checked redirects; with `etag`
        or `last_modified`, a conditional request (a 304 comes back as is)."""
        conditional = {"If-None-Match": etag, "If-Modified-Since": last_modified}
        return self._get(url, {k: v for k, v in conditional.items() if v}, True, self.max_bytes)

    def _get(self, url: str, headers: dict[str, str], robots: bool, limit: int) -> Fetched:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            target, address = self._checked(current)
            if robots:
                self._allowed_by_robots(target)
            result = self._request(target, address, headers, limit)
            if isinstance(result, Fetched):
                return result
            current = result
        raise FetchError(url, f"too many redirects (more than {MAX_REDIRECTS})")

    def _checked(self, url: str) -> tuple[httpx.URL, str]:
        """The parsed URL and the one address to connect to, or a refusal."""
        try:
            target = httpx.URL(url)
        except (httpx.InvalidURL, ValueError) as exc:
            raise FetchError(url, f"not a valid URL ({exc})") from None
        if target.scheme not in ("http", "https") or not target.host:
            raise FetchError(url, "refused: only http and https URLs are fetched")
        port = target.port or (443 if target.scheme == "https" else 80)
        try:
            addresses = self._resolve(target.host, port)
        except (OSError, UnicodeError) as exc:
            raise FetchError(url, f"cannot resolve {target.host} ({exc})", True) from None
        if not addresses:
            raise FetchError(url, f"cannot resolve {target.host}", True)
        if not self.allow_private:
            for address in addresses:
                if problem := address_problem(address):
                    raise FetchError(url, f"refused address: {problem} ({_ALLOW_HINT})")
        return target, addresses[0]

    def _request(
        self, target: httpx.URL, address: str, headers: dict[str, str], limit: int
    ) -> Fetched | str:
        """One hop: the response, or the next URL when it redirects."""
        url, host = str(target), target.host
        request_headers = {**headers, "Host": target.netloc.decode("ascii").rpartition("@")[2]}
        with self._host_lock(host):
            self._wait_for_crawl_delay(target)
            try:
                return self._read(target, address, request_headers, limit)
            except httpx.TimeoutException:
                raise FetchError(url, f"timed out after {self.timeout:g} s", True) from None
            except httpx.DecodingError:
                raise FetchError(url, "bad content encoding") from None
            except httpx.HTTPError as exc:
                reason = str(exc) or type(exc).__name__
                raise FetchError(url, f"cannot connect ({reason})", True) from None
            finally:
                self._last_request[host] = time.monotonic()

    def _read(
        self, target: httpx.URL, address: str, headers: dict[str, str], limit: int
    ) -> Fetched | str:
        url, deadline = str(target), time.monotonic() + self.timeout
        connect_to = target.copy_with(host=address, username=None, password=None, fragment=None)
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        with self._client.stream(
            "GET", connect_to, headers=headers, extensions=extensions
        ) as response:
            status = response.status_code
            if status in REDIRECTS and "location" in response.headers:
                return urljoin(url, response.headers["location"])
            if status not in (200, 203, 304):
                raise FetchError(url, f"HTTP {status}", status >= 500 or status in (408, 429))
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise FetchError(url, f"too large ({int(declared):,} bytes; limit {limit:,})")
            body = bytearray()
            for piece in response.iter_bytes():
                body += piece
                if len(body) > limit:
                    raise FetchError(url, f"too large (more than {limit:,} bytes)")
                if time.monotonic() > deadline:
                    raise FetchError(url, f"timed out after {self.timeout:g} s", True)
            media, _, params = response.headers.get("content-type", "").partition(";")
            charset = re.search(r"charset\s*=\s*\"?([^\";\s]+)", params, re.I)
            return Fetched(
                url=url,
                status=status,
                content_type=media.strip().lower(),
                charset=charset.group(1) if charset else None,
                body=bytes(body),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
            )

    def _host_lock(self, host: str) -> threading.Lock:
        with self._lock:
            return self._host_locks.setdefault(host, threading.Lock())

    def _wait_for_crawl_delay(self, target: httpx.URL) -> None:
        rules = self._robots.get(_origin(target), (0.0, None))[1]
        delay = rules.crawl_delay(ROBOTS_AGENT) if isinstance(rules, _Robots) else None
        last = self._last_request.get(target.host)
        if delay and last is not None:
            time.sleep(max(0.0, min(float(delay), MAX_CRAWL_DELAY) - (time.monotonic() - last)))

    def _allowed_by_robots(self, target: httpx.URL) -> None:
        origin = _origin(target)
        read_at, _ = self._robots.get(origin, (0.0, None))
        if origin not in self._robots or time.monotonic() - read_at > ROBOTS_TTL:
            self._robots[origin] = (time.monotonic(), self._read_robots(origin))
        rules = self._robots[origin][1]
        if isinstance(rules, FetchError):
            raise FetchError(str(target), rules.reason, rules.transient)
        if not rules.can_fetch(ROBOTS_AGENT, str(target)):
            raise FetchError(str(target), "refused by the site's robots.txt")

    def _read_robots(self, origin: str) -> _Robots | FetchError:
        """The site's rules: none when robots.txt is missing (4xx), everything refused on 401
        or 403, an error when it cannot be read (5xx, network)."""
        rules = _Robots(origin + "/robots.txt")
        try:
            fetched = self._get(origin + "/robots.txt", {}, False, MAX_ROBOTS_BYTES)
            rules.parse(fetched.text().splitlines())
        except FetchError as exc:
            status = exc.reason.removeprefix("HTTP ")
            if status in ("401", "403"):
                rules.disallow_all = True
            elif status.isdigit() and 400 <= int(status) < 500:
                rules.allow_all = True
            else:
                return FetchError(origin, f"robots.txt unreadable ({exc.reason})", True)
        return rules


_Robots = urllib.robotparser.RobotFileParser


def _origin(target: httpx.URL) -> str:
    default = 443 if target.scheme == "https" else 80
    port = f":{target.port}" if target.port and target.port != default else ""
    host = f"[{target.host}]" if ":" in target.host else target.host
    return f"{target.scheme}://{host}{port}"
