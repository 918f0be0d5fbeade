"""The HTML service report in a real headless browser (Debian's ``chromium``): it renders,
the charts and tables are in the rendered DOM, the screenshot is not blank, and nothing
in the page can reach the network.

Chromium is required, not optional: without ``/usr/bin/chromium`` these tests fail with a
message saying how to install it (``sh tests/install-browser.sh``).
"""

from __future__ import annotations

import re
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from itsm_core.cli.charts import available
from itsm_core.cli.html_report import CSP
from itsm_core.cli.service_report import demo_report

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync",
         "--hide-scrollbars"]
WIDTH, HEIGHT = 1000, 1400


def browser(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the HTML report is tested in a real browser. "
                    "Install it with `sh tests/install-browser.sh` (Debian/Ubuntu: "
                    "`apt-get install chromium`).")
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    done = subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(demo_report(seed=2025, fmt="html"), encoding="utf-8")
    return path


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of pixels (RGB or RGBA, 8 bits) of a PNG: a small decoder,
    enough for Chromium's screenshots."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    size = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * size
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - size] if x >= size else 0
            up = previous[x]
            corner = previous[x - size] if x >= size else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc
                                      else up if pb <= pc else corner)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, [bytes(r[i:i + 3]) for r in rows for i in range(0, stride, size)]


def test_the_page_refers_to_nothing_outside_itself(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "http:" not in text and "https:" not in text and "//" not in text
    assert re.search(r"<script|<link|<iframe|<object|<embed|\ssrc=", text, re.I) is None
    # the charts' clip paths and glyphs refer to elements of the page itself
    assert {u[0] for u in re.findall(r"url\(([^)]*)\)", text)} <= {"#"}
    assert {h[0] for h in re.findall(r'href="([^"]*)"', text)} <= {"#"}
    meta = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', text)
    assert meta == [CSP]
    assert CSP.startswith("default-src 'none';")


def test_rendered_dom_has_the_charts_and_tables(page: Path, tmp_path: Path) -> None:
    dom = browser(tmp_path, "--dump-dom", page.as_uri()).stdout.decode()
    assert "<h1>Service report of a synthetic provider, 2025-06</h1>" in dom
    assert dom.count("<table") >= 4 + 3  # portfolio tables and each customer's
    assert dom.count("<section>") == 4
    for customer in ("northwind", "contoso", "fabrikam"):
        assert f"<h2>{customer}, 2025-06</h2>" in dom
    assert available(), "matplotlib (the report extra) is needed for the charts"
    mttr = dom.count("<figcaption>mean time to resolve per group")
    assert mttr == 3  # one MTTR trend chart per customer
    targets = dom.count('<figcaption>') - dom.count("breaches by ") - mttr
    assert targets == 7  # one trend chart per target: 3 + 2 + 2
    assert dom.count("<svg") >= 7 + 1 + 3  # and at least one breaches chart
    assert "improvement action needed" in dom
    assert dom.count("<h3>Incident KPIs by assignment_group</h3>") == 3
    assert dom.count("<h3>Continuity, 2025-06-01T00:00:00") == 3


def test_screenshot_is_not_blank(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    browser(tmp_path, f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={shot}", page.as_uri())
    width, height, pixels = png_pixels(shot.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    colours = set(pixels)
    assert len(colours) > 50  # text, table borders, chart lines and bars
    white = pixels.count(b"\xff\xff\xff")
    assert white < 0.97 * len(pixels)


def test_the_policy_blocks_what_a_value_might_smuggle(tmp_path: Path) -> None:
    """A page with the report's CSP and an external image: Chromium refuses to load it
    (the console names the policy), so not even a value that looked like an address
    could reach the network."""
    probe = tmp_path / "probe.html"
    probe.write_text(f'<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
                     f'content="{CSP}"></head><body><img src="http://127.0.0.1:9/x.png">'
                     "</body></html>", encoding="utf-8")
    done = browser(tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom", probe.as_uri())
    assert "Content Security Policy" in done.stderr.decode(errors="replace")
