"""Checks the risk points the docs give (docs/analytics.md) against analytics/data/score.toml,
the file the scorer compiles in as its defaults.

The docs' points tables are the markdown tables whose last header cell mentions "points":
  - the reasons table (`| reason | when | points |`): each row names one or more signal codes in
    backticks in its first cell and gives their points in its last (`70`, `10 each`, `≤ 30` for
    a capped signal); a row without a code in backticks (a detector's code) is skipped;
  - the detectors table (`| detector | … | severity, points |`, told apart by "severity" in its
    header): each row names a detector and gives `severity, points` in its last cell; a
    detector with `downgraded_points` must say "downgraded to SEVERITY, N points" in its row.

Against score.toml:
  - a reason's code is a key of [signals]; its points are that key's value. `video_analysis` is
    the one reason made of several keys (VIDEO below): `≤ N` is `video_max`, and its row must
    say "N per … `highFraudRisk`" (`video_high_risk_each`) and "N per `suspicious`"
    (`video_suspicious_each`); `face_mismatch`'s "similarity below X" is `face_similarity_min`;
  - a detector is a top-level table with a `points` key; its `points`, `severity` and
    `downgraded_points` must be what the row says, and every other setting of its table must be
    stated in its row: a number (or each number of a list) as a number of the row's text
    (`1 000` reads as 1000), a word (`"suppress"`) as a word starting the same way;
  - every integer key of [signals] (the points; thresholds such as `face_similarity_min` are
    floats) and every detector of the file must appear in the docs' tables.

Prints one line per problem to stderr, then `points: N passed, M failed`; exits 1 on any
problem (2 on bad arguments or a file with no points table).

Usage: python3 tests/readme/check_points.py [docs/analytics.md] [analytics/data/score.toml]
(paths relative to the working directory; by default the checkout's own files).
"""
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DOC = ROOT / "docs" / "analytics.md"
DEFAULT_TOML = ROOT / "analytics" / "data" / "score.toml"

# The reason whose points come from several keys of [signals]: the key of the `≤ N` cap, and
# the keys of the per-criterion points with the regex that finds them in the row's text.
VIDEO = "video_analysis"
VIDEO_CAP = "video_max"
VIDEO_PARTS = {
    "video_high_risk_each": r"(\d+) per [^|]*?`highFraudRisk`",
    "video_suspicious_each": r"(\d+) per `suspicious`",
}
# Thresholds a reason's row states, checked too (not points, so not required by coverage).
THRESHOLDS = {"face_mismatch": ("face_similarity_min", r"similarity below (\d+(?:\.\d+)?)")}


def cells(line: str) -> list:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def points_tables(markdown: str) -> list:
    """[(is_detector_table, [(line_number, cells), …]), …] for every table whose last header cell
    mentions points."""
    lines = markdown.splitlines()
    tables = []
    i = 0
    while i < len(lines):
        line = lines[i]
        is_table_start = (line.lstrip().startswith("|") and i + 1 < len(lines)
                          and re.fullmatch(r"\s*\|?(\s*:?-+:?\s*\|)+\s*:?-*:?\s*", lines[i + 1]))
        if not is_table_start:
            i += 1
            continue
        header = cells(line)
        rows = []
        j = i + 2
        while j < len(lines) and lines[j].lstrip().startswith("|"):
            rows.append((j + 1, cells(lines[j])))
            j += 1
        if "points" in header[-1].lower():
            tables.append(("severity" in " ".join(header).lower(), rows))
        i = j
    return tables


def numbers_in(text: str) -> set:
    """The numbers a row's text states, with digit groups joined (`1 000` is 1000)."""
    joined = re.sub(r"(?<=\d)[ \u202f\u00a0](?=\d{3}\b)", "", text)
    return {float(n) for n in re.findall(r"(?<![\w.])\d+(?:\.\d+)?", joined)}


def stated(value, text: str) -> bool:
    """Whether a setting's value is stated in a row's text (see the module's docstring)."""
    if isinstance(value, bool):
        return True
    if isinstance(value, (int, float)):
        return float(value) in numbers_in(text)
    if isinstance(value, list):
        return all(stated(v, text) for v in value)
    if isinstance(value, str):
        return re.search(r"\b" + re.escape(value.lower()), text.lower()) is not None
    return True


def main() -> int:
    args = sys.argv[1:]
    if len(args) > 2 or any(a.startswith("-") for a in args):
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    doc_path = Path(args[0]) if args else DEFAULT_DOC
    toml_path = Path(args[1]) if len(args) > 1 else DEFAULT_TOML
    config = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    signals = config.get("signals", {})
    detectors = {name: table for name, table in config.items()
                 if isinstance(table, dict) and name not in ("bands", "signals") and "points" in table}
    tables = points_tables(doc_path.read_text(encoding="utf-8"))
    if not tables:
        print(f"points: {doc_path} has no table whose last column is points", file=sys.stderr)
        return 2

    problems = []
    checks = 0
    seen_signal_keys = set()
    seen_detectors = set()

    def check(where: str, what: str, documented, expected) -> None:
        nonlocal checks
        checks += 1
        if documented != expected:
            problems.append(f"{where}: {what} is {documented} in the docs, {expected} in {toml_path}")

    for is_detector_table, rows in tables:
        for line_number, row in rows:
            where = f"{doc_path}:{line_number}"
            codes = re.findall(r"`([a-z_]+)`", row[0])
            if not codes:
                continue  # "a detector's code": no code of its own
            last, text = row[-1], " | ".join(row)
            number = re.search(r"(\d+)", last)
            if number is None:
                checks += 1
                problems.append(f"{where}: no points for {', '.join(codes)} in {last!r}")
                continue
            points = int(number.group(1))
            for code in codes:
                if is_detector_table:
                    if code not in detectors:
                        checks += 1
                        problems.append(f"{where}: detector `{code}` has points in the docs but no "
                                        f"[{code}] table with points in {toml_path}")
                        continue
                    seen_detectors.add(code)
                    table = detectors[code]
                    check(where, f"`{code}` points", points, table["points"])
                    severity = re.match(r"\s*([a-z]+)\s*,", last)
                    check(where, f"`{code}` severity", severity.group(1) if severity else None,
                          table.get("severity"))
                    for key, value in table.items():
                        if key in ("points", "severity", "downgraded_points"):
                            continue
                        checks += 1
                        if not stated(value, text):
                            problems.append(f"{where}: `{code}`'s row does not state {key} = {value!r} "
                                            f"(from [{code}] of {toml_path})")
                    downgraded = re.search(r"downgraded to ([a-z]+), (\d+) points", text)
                    if "downgraded_points" in table or downgraded:
                        check(where, f"`{code}` downgraded_points",
                              int(downgraded.group(2)) if downgraded else None,
                              table.get("downgraded_points"))
                elif code == VIDEO:
                    check(where, f"`{code}` cap ({VIDEO_CAP})", points, signals.get(VIDEO_CAP))
                    seen_signal_keys.add(VIDEO_CAP)
                    for key, pattern in VIDEO_PARTS.items():
                        part = re.search(pattern, text)
                        check(where, f"`{code}` {key}", int(part.group(1)) if part else None, signals.get(key))
                        seen_signal_keys.add(key)
                else:
                    if code not in signals:
                        checks += 1
                        problems.append(f"{where}: reason `{code}` has points in the docs but "
                                        f"[signals] of {toml_path} has no key {code}")
                        continue
                    seen_signal_keys.add(code)
                    check(where, f"`{code}` points", points, signals[code])
                    if code in THRESHOLDS:
                        key, pattern = THRESHOLDS[code]
                        found = re.search(pattern, text)
                        check(where, f"`{code}` {key}", float(found.group(1)) if found else None,
                              float(signals[key]) if key in signals else None)

    for key, value in signals.items():
        if isinstance(value, int) and not isinstance(value, bool):
            checks += 1
            if key not in seen_signal_keys:
                problems.append(f"{toml_path}: [signals] {key} = {value} is in no points table of {doc_path}")
    for name, table in detectors.items():
        checks += 1
        if name not in seen_detectors:
            problems.append(f"{toml_path}: detector [{name}] (points = {table['points']}) is in no "
                            f"points table of {doc_path}")

    for problem in problems:
        print("points:", problem, file=sys.stderr)
    print(f"points: {checks - len(problems)} passed, {len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
