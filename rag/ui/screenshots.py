"""Pictures of the chat for the README: a cited answer at desktop and phone sizes, and in dark.

Contract: `python -m rag.ui.screenshots DIR` ingests the seed articles into a temporary data
dir, serves them with `rag serve` on a free loopback port, asks QUESTION in headless Chromium
(Debian's, driven by playwright, a dev dependency), opens the answer's first citation and writes
SHOTS into DIR (each name with the viewport and theme it is taken in); then stops the server.
Only this command writes them: the tests never touch tracked files.
Knows nothing about how answers are made: it uses the page as a reader does.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

QUESTION = "Who accompanied Kim Jong Un when he arrived in Beijing?"
SEEDS = Path(__file__).resolve().parents[2] / "seeds"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
# file name: (viewport width, height, theme)
SHOTS = {
    "screenshot.png": (1280, 1000, "light"),
    "screenshot-phone.png": (390, 844, "light"),
    "screenshot-dark.png": (1280, 1000, "dark"),
}
START_SECONDS = 600  # loading the embedder and the model on a busy machine
ANSWER_MS = 600_000  # one answer on a slow machine


def rag(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "rag", "--data-dir", str(data_dir), *args]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def serving(data_dir: Path) -> Iterator[str]:
    """The seeds ingested and served; the chat's URL until the block ends."""
    subprocess.run(rag(data_dir, "ingest", str(SEEDS), "--quiet"), check=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = (data_dir / "serve.log").open("w")
    server = subprocess.Popen(rag(data_dir, "serve", "--port", str(port)), stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + START_SECONDS
        while not answers(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"rag serve did not start; see {log.name}")
            time.sleep(1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def shoot(browser: Any, url: str, target: Path, width: int, height: int, theme: str) -> None:
    """Ask QUESTION in a fresh page of this size and theme; save it with a citation open."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{url}?__theme={theme}", wait_until="domcontentloaded")
    page.fill("#question textarea", QUESTION)
    page.press("#question textarea", "Enter")
    answer = page.locator("#chat [data-testid='bot'] .rag-meta")
    answer.wait_for(state="attached", timeout=ANSWER_MS)
    page.locator("#chat [data-testid='bot'] .rag-text .rag-cite").first.focus()
    page.wait_for_timeout(500)
    page.screenshot(path=str(target))
    page.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m rag.ui.screenshots", description=__doc__)
    parser.add_argument("folder", type=Path, help="where the pictures are written (docs/)")
    folder = parser.parse_args(argv).folder
    from playwright.sync_api import sync_playwright

    folder.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="rag-shots-") as tmp,
        serving(Path(tmp)) as url,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, (width, height, theme) in SHOTS.items():
            shoot(browser, url, folder / name, width, height, theme)
            print(f"wrote {folder / name}")
        browser.close()


if __name__ == "__main__":
    main()
