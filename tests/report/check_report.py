"""Checks the HTML report of scripts/report.py in headless Chromium, as a reader would see it.

Usage: python3 tests/report/check_report.py REPORT.html [--chromium BINARY] [--keep DIR]

Checks, each printed as ok or FAIL:
  1. self-contained: no attribute (src, href, srcset, …) and no CSS url() or @import points
     anywhere but a data: URI or a #fragment, and there is at least one chart image
     (<img class="chart">);
  2. charts intact: each chart image is a data:image/png;base64 URI whose bytes decode as a
     whole PNG (every chunk's CRC, all the pixel data): Chromium draws a PNG corrupted or cut
     short in its pixel data as far as it decodes and still reports it loaded, so this is
     checked here;
  3. charts loaded: Chromium (--dump-dom after a virtual-time budget) runs the report's inline
     script, which sets <body data-charts-loaded="N"> once each of the N chart images has
     decoded with a non-zero width; N must equal the number of chart images in the file
     (the script lists broken ones in data-charts-failed, named here);
  4. screenshot drawn: a 1280 × 4000 screenshot has more than 5 % non-white pixels;
  5. screenshot colourful: and at least 256 distinct colours (text alone has a few dozen
     greys; the charts bring the rest).
Then prints `report: N passed, M failed` and exits non-zero on any failure. Chromium runs as
root in a container: --headless --no-sandbox --disable-gpu --disable-dev-shm-usage, with a
throwaway profile. --keep DIR keeps the dumped DOM and the screenshot.
"""
import argparse
import base64
import binascii
import io
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

from PIL import Image, UnidentifiedImageError

WIDTH, HEIGHT = 1280, 4000
MIN_INK = 0.05         # share of pixels that are not (near) white
MIN_COLOURS = 256
URL_ATTRIBUTES = {"src", "href", "srcset", "poster", "data", "action", "formaction", "background", "xlink:href",
                  "manifest", "cite", "longdesc", "usemap", "codebase", "archive", "ping"}
CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I | re.S)


class Scan(HTMLParser):
    """The chart images, the outside references and the CSS of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.charts = []
        self.outside = []
        self.css = []
        self.body = None
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "body":
            self.body = attributes
        if tag == "img" and "chart" in (attributes.get("class") or "").split():
            self.charts.append((attributes.get("id") or f"chart {len(self.charts) + 1}", attributes.get("src") or ""))
        for name, value in attrs:
            value = (value or "").strip()
            if name in URL_ATTRIBUTES and value and not value.lower().startswith(("data:", "#")):
                self.outside.append(f'<{tag} {name}="{value[:80]}">')
            if name == "style":
                self.css.append(value)
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.css.append(data)


def scan(text):
    page = Scan()
    page.feed(text)
    page.close()
    return page


def png_problem(src):
    """Why a chart's src is not a whole PNG, or None."""
    prefix = "data:image/png;base64,"
    if not src.startswith(prefix):
        return f"src is not a {prefix} URI ({src[:40]!r})"
    try:
        raw = base64.b64decode(src[len(prefix):], validate=True)
    except (binascii.Error, ValueError) as e:
        return f"invalid base64 ({e})"
    try:
        with Image.open(io.BytesIO(raw)) as image:
            image.verify()  # the signature and every chunk's CRC
        with Image.open(io.BytesIO(raw)) as image:
            image.load()    # all the pixel data, inflated
            if image.format != "PNG" or not (image.width and image.height):
                return f"a {image.format} of {image.width}×{image.height}"
    except UnidentifiedImageError:
        return "not an image Pillow can identify (its PNG signature or header is damaged)"
    except Exception as e:  # PIL raises SyntaxError, OSError, zlib.error, … on a broken file
        return f"{type(e).__name__}: {e}"
    return None


def chromium(binary, profile, *args, timeout=120):
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
               "--mute-audio", f"--user-data-dir={profile}", "--virtual-time-budget=10000", *args]
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(command, -1, e.stdout or "", f"timed out after {timeout} s")


def stderr_tail(run, lines=12):
    # Chromium logs D-Bus and GPU noise in a container; the last lines say what went wrong.
    return "\n".join("      " + line for line in (run.stderr or "").strip().splitlines()[-lines:])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("report", type=Path)
    parser.add_argument("--chromium", default=None, help="the browser binary (default: chromium on PATH)")
    parser.add_argument("--keep", type=Path, help="keep the dumped DOM and the screenshot here")
    args = parser.parse_args()

    if not args.report.is_file():
        sys.exit(f"error: no report at {args.report}")
    binary = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if not binary:
        sys.exit("error: no chromium on PATH (Debian: apt-get install chromium; scripts/common.sh: setup_chromium)")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"checking {args.report} ({args.report.stat().st_size / 1024:.0f} KiB) with {version or binary}")

    results = []

    def check(name, ok, detail):
        results.append(ok)
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}", flush=True)

    text = args.report.read_text(encoding="utf-8", errors="replace")
    page = scan(text)
    css = "\n".join(page.css)
    outside = page.outside + [f"url({m.group(2)[:80]})" for m in CSS_URL.finditer(css)
                              if not m.group(2).strip().lower().startswith(("data:", "#"))]
    outside += ["@import in CSS"] if re.search(r"@import", css, re.I) else []
    charts = len(page.charts)
    if outside:
        check("self-contained", False, f"{len(outside)} references outside the file, first: {', '.join(outside[:3])}")
    elif not charts:
        check("self-contained", False, 'no chart images (<img class="chart">) in the file')
    else:
        check("self-contained", True, f"{charts} chart images, nothing referenced outside the file")
    problems = [(name, problem) for name, src in page.charts if (problem := png_problem(src))]
    if problems:
        check("charts intact", False, "; ".join(f"{name}: {problem}" for name, problem in problems))
    elif charts:
        check("charts intact", True, f"{charts} whole PNGs")
    else:
        check("charts intact", False, "no chart images")

    work = Path(tempfile.mkdtemp(prefix="check_report."))
    try:
        url = args.report.resolve().as_uri()

        run = chromium(binary, work / "profile-dom", "--dump-dom", url)
        body = re.search(r"<body\b[^>]*>", run.stdout or "")
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            (args.keep / "dom.html").write_text(run.stdout or "", encoding="utf-8")
        if run.returncode != 0 or not body:
            check("charts loaded", False, f"chromium --dump-dom failed (exit {run.returncode}):\n{stderr_tail(run)}")
        else:
            attributes = scan(body.group(0) + "</body>").body or {}
            loaded = attributes.get("data-charts-loaded")
            failed = attributes.get("data-charts-failed")
            if loaded is None:
                detail = "data-charts-loaded was never set: not every chart image loaded"
                detail += f" (failed to decode: {failed})" if failed else " (the inline script did not run or finish)"
                check("charts loaded", False, detail)
            elif loaded != str(charts) or failed:
                check("charts loaded", False, f"data-charts-loaded={loaded}, but the file has {charts} chart images"
                      + (f"; failed to decode: {failed}" if failed else ""))
            else:
                check("charts loaded", True,
                      f"data-charts-loaded={loaded} of {charts} chart images, each with a non-zero natural width")

        shot = work / "screenshot.png"
        run = chromium(binary, work / "profile-shot", f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={shot}", url)
        if run.returncode != 0 or not shot.is_file():
            detail = f"chromium --screenshot wrote no PNG (exit {run.returncode}):\n{stderr_tail(run)}"
            check("screenshot drawn", False, detail)
            check("screenshot colourful", False, "no screenshot")
        else:
            if args.keep:
                shutil.copy(shot, args.keep / "screenshot.png")
            image = Image.open(shot).convert("RGB")
            width, height = image.size
            grey = image.convert("L")
            ink = sum(grey.histogram()[:245]) / (width * height)  # pixels darker than near-white
            colours = len(image.getcolors(maxcolors=width * height))
            check("screenshot drawn", ink > MIN_INK,
                  f"{width}×{height}, {100 * ink:.1f}% of pixels not white (needs > {100 * MIN_INK:.0f}%)")
            check("screenshot colourful", colours >= MIN_COLOURS,
                  f"{colours} distinct colours (needs ≥ {MIN_COLOURS})")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    passed = sum(results)
    failed = len(results) - passed
    print(f"report: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
