"""The guarded fetcher (rag.fetch) against a real HTTP server on loopback: refusals of private
addresses, checked redirects, robots.txt, size and time limits, decoding, conditional requests."""

from __future__ import annotations

import gzip
import threading
import time

import pytest
from fixtures.web.server import BIG, LocalSite, Route

from rag import config, fetch
from rag.errors import ConfigError
from rag.fetch import Fetcher, FetchError, address_problem, decode, resolve

ARTICLE = "/news/harbour-bridge-reopens"


def _refusal(fetcher: Fetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetcher.get(url)
    return caught.value


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata service
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("224.0.0.1", "multicast"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.1", "private"),  # documentation range
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::", "loopback"),  # 6to4 around 127.0.0.1
        ("64:ff9b::a00:1", "private"),  # NAT64 around 10.0.0.1
    ],
)
def test_non_public_addresses_are_named(address: str, kind: str) -> None:
    problem = address_problem(address)
    assert problem is not None and f"a {kind} address" in problem


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "93.184.216.34", "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808"],
)
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(address) is None


@pytest.mark.parametrize("host", ["2130706433", "0177.0.0.1", "0x7f.1", "127.1", "localhost"])
def test_numeric_and_local_names_resolve_to_what_they_stand_for(host: str) -> None:
    addresses = resolve(host, 80)
    assert addresses and all("loopback" in (address_problem(a) or "") for a in addresses)


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("127.0.0.1", "refused address: 127.0.0.1 is a loopback address"),
        ("2130706433", "refused address: 127.0.0.1 is a loopback address"),
        ("0x7f.1", "refused address: 127.0.0.1 is a loopback address"),
        ("localhost", "refused address: "),
        ("[::ffff:127.0.0.1]", "refused address: ::ffff:7f00:1 (127.0.0.1 is a loopback"),
        ("0177.0.0.1", "not a valid URL"),  # httpx refuses octal before anything is resolved
    ],
)
def test_loopback_is_refused_by_default_and_nothing_is_sent(
    site: LocalSite, host: str, reason: str
) -> None:
    port = site.base.rsplit(":", 1)[1]
    url = f"http://{host}:{port}{ARTICLE}"
    with Fetcher() as default:
        refused = _refusal(default, url)
    assert refused.url == url and refused.reason.startswith(reason) and not refused.transient
    assert "allow_private_urls" in str(refused) or "valid" in reason
    assert site.requests == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://x/"])
def test_only_http_and_https(fetcher: Fetcher, url: str) -> None:
    assert "only http and https" in _refusal(fetcher, url).reason


def test_allowed_private_fetch_gets_the_page_politely(site: LocalSite, fetcher: Fetcher) -> None:
    page = fetcher.get(site.url(ARTICLE))
    assert page.status == 200 and page.url == site.url(ARTICLE)
    assert page.content_type == "text/html" and page.charset == "utf-8"
    assert "Kessler Street" in page.text() and page.etag and page.last_modified
    assert site.paths() == ["/robots.txt", ARTICLE]
    headers = site.requests[1][1]
    assert headers["user-agent"] == "rag-news/0.1.0 (+local)" == fetch.USER_AGENT


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host(
    site: LocalSite,
) -> None:
    """The name is resolved once per hop and the request goes to that address: a DNS answer
    that changes between the check and the connection cannot redirect it."""
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"] if len(asked) <= 2 else ["10.0.0.1"]

    port = site.base.rsplit(":", 1)[1]
    with Fetcher(allow_private=True, resolver=resolver) as named:
        page = named.get(f"http://news.test:{port}{ARTICLE}")
    assert page.url == f"http://news.test:{port}{ARTICLE}"
    assert asked == ["news.test", "news.test"]  # robots.txt, then the page
    assert [h["host"] for _, h in site.requests] == [f"news.test:{port}"] * 2
    with Fetcher(resolver=lambda host, port: ["127.0.0.1"]) as default:
        assert "loopback" in _refusal(default, f"http://news.test:{port}/").reason


def test_a_name_with_any_private_address_is_refused() -> None:
    with Fetcher(resolver=lambda host, port: ["93.184.216.34", "10.0.0.7"]) as default:
        assert "10.0.0.7 is a private address" in _refusal(default, "http://mixed.test/").reason


def test_every_redirect_hop_is_checked(site: LocalSite, monkeypatch: pytest.MonkeyPatch) -> None:
    """127.0.0.1 counts as public here; a redirect from it to 127.0.0.2 is still refused."""
    real = fetch.address_problem
    monkeypatch.setattr(fetch, "address_problem", lambda a: None if a == "127.0.0.1" else real(a))
    target = site.base.replace("127.0.0.1", "127.0.0.2") + ARTICLE
    site.routes["/away"] = Route(b"", status=302, headers={"Location": target})
    with Fetcher() as guarded:
        refused = _refusal(guarded, site.url("/away"))
    assert refused.url == target and "127.0.0.2 is a loopback address" in refused.reason
    assert site.paths() == ["/robots.txt", "/away"]


def test_redirects_are_followed_by_hand_and_bounded(site: LocalSite, fetcher: Fetcher) -> None:
    page = fetcher.get(site.url("/go/harbour"))
    assert page.url == site.url(ARTICLE + "?utm_source=x")
    assert site.paths()[1:] == ["/go/harbour", "/r2", ARTICLE + "?utm_source=x"]
    refused = _refusal(fetcher, site.url("/loop"))
    assert refused.reason == "too many redirects (more than 5)"
    assert site.paths().count("/loop") == 6


@pytest.mark.parametrize(
    ("path", "reason", "transient"), [("/gone", "HTTP 404", False), ("/down", "HTTP 503", True)]
)
def test_http_errors_are_named(
    site: LocalSite, fetcher: Fetcher, path: str, reason: str, transient: bool
) -> None:
    refused = _refusal(fetcher, site.url(path))
    assert (refused.reason, refused.transient) == (reason, transient)


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/big", f"too large ({BIG + 33:,} bytes; limit 5,000,000)"), ("/big-stream", "too large")],
)
def test_a_page_over_the_size_limit_is_refused(
    site: LocalSite, fetcher: Fetcher, path: str, reason: str
) -> None:
    """Declared too large: refused before reading; streamed without a length: reading stops."""
    assert _refusal(fetcher, site.url(path)).reason.startswith(reason)


def test_a_compressed_body_is_limited_once_decompressed(site: LocalSite, fetcher: Fetcher) -> None:
    bomb = gzip.compress(b"<html>" + b" " * 6_000_000)
    site.routes["/bomb"] = Route(bomb, headers={"Content-Encoding": "gzip"})
    assert len(bomb) < 100_000
    assert _refusal(fetcher, site.url("/bomb")).reason == "too large (more than 5,000,000 bytes)"


def test_robots_txt_is_honoured_and_read_once_per_site(site: LocalSite, fetcher: Fetcher) -> None:
    assert _refusal(fetcher, site.url("/private/memo")).reason == "refused by the site's robots.txt"
    fetcher.get(site.url(ARTICLE))
    assert site.paths() == ["/robots.txt", ARTICLE]


@pytest.mark.parametrize(
    ("status", "allowed"), [(404, True), (410, True), (403, False), (503, False)]
)
def test_robots_txt_that_cannot_be_read(site: LocalSite, status: int, allowed: bool) -> None:
    site.set("/robots.txt", b"Disallow: /", status=status)
    with Fetcher(allow_private=True) as fetcher:
        if allowed:
            assert fetcher.get(site.url(ARTICLE)).status == 200
        else:
            assert "robots.txt" in _refusal(fetcher, site.url(ARTICLE)).reason


def test_robots_crawl_delay_spaces_requests_to_a_site(site: LocalSite, fetcher: Fetcher) -> None:
    site.set("/robots.txt", b"User-agent: rag-news\nCrawl-delay: 1\n", "text/plain")
    fetcher.get(site.url(ARTICLE))
    started = time.monotonic()
    fetcher.get(site.url(ARTICLE))
    assert time.monotonic() - started >= 0.9


def test_a_slow_server_times_out(site: LocalSite) -> None:
    site.delay = 1.0
    with Fetcher(allow_private=True, timeout=0.3) as hasty:
        refused = _refusal(hasty, site.url(ARTICLE))
    assert "timed out after 0.3 s" in refused.reason and refused.transient


def test_one_request_at_a_time_per_host(site: LocalSite, fetcher: Fetcher) -> None:
    site.delay = 0.05
    workers = [threading.Thread(target=fetcher.get, args=(site.url(ARTICLE),)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert site.paths().count(ARTICLE) == 4 and site.most_in_flight == 1


def test_conditional_requests_come_back_not_modified(site: LocalSite, fetcher: Fetcher) -> None:
    first = fetcher.get(site.url(ARTICLE))
    by_tag = fetcher.get(site.url(ARTICLE), etag=first.etag)
    by_date = fetcher.get(site.url(ARTICLE), last_modified=first.last_modified)
    assert by_tag.not_modified and by_date.not_modified and by_tag.body == b""
    assert site.requests[2][1]["if-none-match"] == first.etag
    site.set(ARTICLE, b"<html><body><p>changed</p></body></html>")
    assert fetcher.get(site.url(ARTICLE), etag=first.etag).status == 200


def test_a_windows_1252_page_declared_only_in_its_meta_is_decoded(
    site: LocalSite, fetcher: Fetcher
) -> None:
    page = fetcher.get(site.url("/culture/cafe-elan"))
    assert page.charset is None
    text = page.text()
    assert "Café Élan" in text and "7 €" in text and "“We rebuilt" in text and "Zoë" in text


@pytest.mark.parametrize(
    ("body", "charset", "text"),
    [
        ("café €".encode(), None, "café €"),
        ("café €".encode("cp1252"), None, "café €"),  # not UTF-8: what browsers assume
        ("café €".encode("cp1252"), "iso-8859-1", "café €"),  # the label browsers widen
        ("café".encode("iso-8859-15"), "ISO-8859-15", "café"),
        ("café".encode("utf-16"), None, "café"),  # byte order mark
        (b"\xef\xbb\xbfcaf\xc3\xa9", "cp1252", "café"),  # a BOM beats the header
        ("<meta charset='koi8-r'>мир".encode("koi8-r"), None, "<meta charset='koi8-r'>мир"),
        ("café".encode(), "no-such-charset", "café"),
        ("café".encode(), "base64", "café"),  # not a text encoding
        (b"", None, ""),
    ],
)
def test_decode(body: bytes, charset: str | None, text: str) -> None:
    assert decode(body, charset) == text


def test_the_settings_drive_the_fetcher(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = config.Settings()
    assert defaults.allow_private_urls is False
    assert defaults.max_fetch_bytes == 5_000_000 and defaults.fetch_timeout == 20.0
    for value, expected in [("1", True), ("true", True), ("0", False), ("off", False)]:
        monkeypatch.setenv("RAG_ALLOW_PRIVATE_URLS", value)
        assert config.load().allow_private_urls is expected
    monkeypatch.setenv("RAG_ALLOW_PRIVATE_URLS", "perhaps")
    with pytest.raises(ConfigError, match="allow_private_urls"):
        config.load()
    settings = config.Settings().replace(
        allow_private_urls=True, max_fetch_bytes="1000", fetch_timeout=3
    )
    with Fetcher.from_settings(settings) as fetcher:
        assert (fetcher.allow_private, fetcher.max_bytes, fetcher.timeout) == (True, 1000, 3.0)
