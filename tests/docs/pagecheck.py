"""Looking at rendered pages the way a person would: in headless Chromium (helpers for tests/docs)."""
from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from engine.render import browser_args, chromium

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "examples" / "cases"
A2 = ROOT / "rulesets" / "ZBC-SC-2025-A2"

NO_CHROMIUM = "Chromium is not installed (apt-get install -y chromium); pages cannot be opened"


def require_chromium() -> None:
    """Skip on a developer's machine without Chromium; fail where the browser is required (CI sets
    CERTRULES_REQUIRE_BROWSER=1), so a missing browser never passes as a skip there."""
    if shutil.which("chromium") is None and chromium() is None:
        if os.environ.get("CERTRULES_REQUIRE_BROWSER"):
            pytest.fail(NO_CHROMIUM + " and CERTRULES_REQUIRE_BROWSER is set")
        pytest.skip(NO_CHROMIUM)


@pytest.fixture
def chromium_present():
    require_chromium()


needs_chromium = pytest.mark.usefixtures("chromium_present")


class Browser:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.exe = chromium()
        self.n = 0

    def _run(self, html_path: Path, *extra) -> subprocess.CompletedProcess:
        self.n += 1
        args = browser_args(self.exe, str(self.tmp / f"profile{self.n}")) + [
            "--enable-logging=stderr", "--v=0", "--hide-scrollbars", *extra, html_path.as_uri()]
        return subprocess.run(args, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)

    def open(self, html: str, name: str = "page") -> dict:
        """The page's DOM after load, its console messages, and a screenshot (A4 at 96 dpi)."""
        page = self.tmp / f"{name}.html"
        page.write_text(html, encoding="utf-8")
        dom = self._run(page, "--dump-dom")
        png = self.tmp / f"{name}.png"
        self._run(page, f"--screenshot={png}", "--window-size=794,1123")
        log = dom.stderr.decode("utf-8", "replace")
        console = [ln for ln in log.splitlines() if ":CONSOLE" in ln]
        return {"dom": dom.stdout.decode("utf-8", "replace"), "console": console, "png": png, "path": page}


def visible_text(dom: str) -> str:
    """The DOM's text without tags, styles and scripts, whitespace collapsed."""
    dom = re.sub(r"<(style|script)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    dom = re.sub(r"<[^>]+>", " ", dom)
    return " ".join(dom.replace("&amp;", "&").split())


def ink_share(png: Path) -> float:
    """The share of pixels in a screenshot that are not (near) white: 0 for a blank page."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, ctype = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    bpp = {2: 3, 6: 4}[ctype]
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    inked = 0
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp * 4):  # every 4th pixel is enough
            if min(line[x], line[x + 1], line[x + 2]) < 200:
                inked += 1
        prev = line
    return inked / (height * (width // 4 or 1))


def pdf_pages(pdf: bytes) -> int:
    """Pages in a PDF: pdfinfo when present, else the page objects in the bytes."""
    if shutil.which("pdfinfo"):
        import tempfile
        with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
            fh.write(pdf)
            fh.flush()
            out = subprocess.run(["pdfinfo", fh.name], capture_output=True, text=True, timeout=60).stdout
        m = re.search(r"^Pages:\s+(\d+)", out, re.M)
        if m:
            return int(m.group(1))
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
