#!/usr/bin/env python3
"""The main job's report: one self-contained HTML file over an export and its scores.

    python3 scripts/report.py DATA_DIR OUT.html [--title TEXT] [--evaluation FILE]

DATA_DIR is laid out as the notebooks' (notebooks/README.md): dataset/ (sessions/,
node_outcomes/, flows/), results/ (scores/, findings/) and, for a generated corpus,
corpus/labels.csv. The report holds the headline counts, the risk score distribution, the
findings per detector, a world map of the sessions with the impossible trips as great-circle
arcs, the outcome funnel of the busiest flow, the top risk reasons and, with --evaluation, the
detectors' precision and recall as `facesign-analytics evaluate` printed them. Charts are PNGs embedded as data: URIs and the CSS is inline:
the file refers to nothing outside itself. The queries and charts are those of
notebooks/01_risk_overview, 02_geo_anomalies and 04_flow_funnels.

A small inline script sets <body data-charts-loaded="N"> once each of the N chart images has
loaded and decoded (naturalWidth > 0); tests/report/check_report.py reads it in Chromium.
"""

import argparse
import base64
import html
import io
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import duckdb  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.transforms import offset_copy  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

LEVELS = ["normal", "elevated", "high"]
LEVEL_COLOURS = {"normal": "#8fb3d1", "elevated": "#f0a202", "high": "#d1495b"}
SEVERITIES = ["high", "medium", "low"]
SEVERITY_COLOURS = {"high": "#c0392b", "medium": "#8e44ad", "low": "#e6a100"}
DETECTORS = ["impossible_travel", "new_country", "multi_country", "new_device", "device_churn",
             "fraud_farm", "contradictory_device", "age_inconsistent", "sex_inconsistent"]
# Which sessions a funnel counts: finished ones, as notebook 04 does.
STATUSES = ["complete", "incomplete"]
BLUES = ["#2e5e8c", "#5b8fc2", "#9dbfe0", "#3f7f9f", "#7fb3c8"]
DPI = 96

plt.rcParams.update({"figure.figsize": (10, 4), "axes.spines.top": False, "axes.spines.right": False,
                     "font.size": 10})


# ---------------------------------------------------------------------------------------------
# Data


class Data:
    def __init__(self, data_dir):
        self.dir = Path(data_dir)
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        self.views = set()

    def view(self, name, folder, required=True):
        """A view over one Parquet dataset, flat or partitioned in created_date=YYYY-MM-DD/ folders."""
        folder = self.dir / folder
        if not folder.is_dir() or not any(folder.rglob("*.parquet")):
            if required:
                sys.exit(f"report: no Parquet files under {folder}: DATA_DIR must hold dataset/ and results/ "
                         "(an export and its scores, as scripts/demo.sh writes them)")
            return False
        files = str(folder / "**" / "*.parquet").replace("'", "''")
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS "
                         f"SELECT * FROM read_parquet('{files}', hive_partitioning = true)")
        self.views.add(name)
        return True

    def q(self, sql, **params):
        return self.con.execute(sql, params).df()

    def one(self, sql, **params):
        return self.con.execute(sql, params).fetchone()


def thousands(n):
    return f"{int(n):,}".replace(",", "\u202f")


def esc(value):
    return html.escape("" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value))


# ---------------------------------------------------------------------------------------------
# Charts


def png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def chart_score_distribution(d):
    hist = d.q("SELECT risk_score, count(*) AS sessions FROM scores GROUP BY risk_score ORDER BY risk_score")
    fig, ax = plt.subplots(figsize=(11, 4))
    colours = [LEVEL_COLOURS["high" if s >= 65 else "elevated" if s >= 30 else "normal"] for s in hist.risk_score]
    ax.bar(hist.risk_score, hist.sessions, width=1.0, color=colours)
    for threshold in (30, 65):
        ax.axvline(threshold - 0.5, color="grey", linestyle="--", linewidth=1)
    ax.set_yscale("log")
    ax.set_xlim(-1, 101)
    ax.set_xlabel("risk score")
    ax.set_ylabel("sessions (log scale)")
    ax.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=LEVEL_COLOURS[level]) for level in LEVELS],
              labels=["normal (< 30)", "elevated (30–64)", "high (≥ 65)"], loc="upper right")
    ax.set_title("Risk score distribution", loc="left")
    return png(fig)


def chart_findings(d):
    counts = d.q("SELECT detector, severity, count(*) AS findings FROM findings GROUP BY ALL")
    table = counts.pivot(index="detector", columns="severity", values="findings")
    detectors = DETECTORS + sorted(set(table.index) - set(DETECTORS))
    table = table.reindex(index=detectors, columns=SEVERITIES).fillna(0).astype(int)
    table = table.iloc[::-1]  # first detector on top
    fig, ax = plt.subplots(figsize=(11, 0.38 * len(table) + 1.2))
    left = np.zeros(len(table))
    for severity in SEVERITIES:  # every detector gets a row, with no findings too
        values = table[severity].to_numpy()
        ax.barh(table.index, values, left=left, color=SEVERITY_COLOURS[severity],
                label=severity if values.any() else "_nolegend_")
        left += values
    top = max(left.max(), 1)
    for row, total in enumerate(left):
        ax.text(total + top * 0.01, row, thousands(total), va="center", fontsize=9)
    ax.set_xlim(0, top * 1.12)
    ax.set_xlabel("findings")
    if left.any():
        ax.legend(title="severity", loc="lower right")
    ax.set_title("Findings per detector", loc="left")
    return png(fig)


def chart_world_map(d):
    from mpl_toolkits.basemap import Basemap  # coastlines and borders ship in the basemap-data wheel
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    places = d.q("""
        SELECT round(latitude * 2) / 2 AS lat, round(longitude * 2) / 2 AS lon, count(*) AS sessions
        FROM sessions WHERE latitude IS NOT NULL AND longitude IS NOT NULL GROUP BY ALL
    """)
    trips = d.q("""
        SELECT f.severity, p.longitude AS from_lon, p.latitude AS from_lat,
               s.longitude AS to_lon, s.latitude AS to_lat
        FROM findings AS f
        JOIN sessions AS s ON s.session_id = f.session_id
        JOIN sessions AS p ON p.session_id = f.previous_session_id
        WHERE f.detector = 'impossible_travel'
          AND s.latitude IS NOT NULL AND s.longitude IS NOT NULL
          AND p.latitude IS NOT NULL AND p.longitude IS NOT NULL
    """)
    fig, ax = plt.subplots(figsize=(14, 7.5))
    m = Basemap(projection="robin", lon_0=0, resolution="c", ax=ax)
    boundary = m.drawmapboundary(fill_color="#f3f7fa", linewidth=0.5)  # arcs are clipped to it
    m.fillcontinents(color="#e6e6df", lake_color="#f3f7fa")
    m.drawcountries(linewidth=0.4, color="#9a9a9a")
    m.drawcoastlines(linewidth=0.4, color="#8a8a8a")
    if len(places):
        x, y = m(places.lon.to_numpy(), places.lat.to_numpy())
        ax.scatter(x, y, s=3 + 60 * (places.sessions / places.sessions.max()) ** 0.5, color="#5d6d7e",
                   alpha=0.3, linewidths=0, zorder=3)
    located = thousands(places.sessions.sum())
    ax.scatter([], [], s=12, color="#5d6d7e", alpha=0.5, label=f"located sessions ({located}, by place)")
    for trip in trips.itertuples():
        # The great circle between the two sessions, split where it crosses the map's edge (180°).
        points = [(trip.from_lon, trip.from_lat)] + geod.npts(trip.from_lon, trip.from_lat, trip.to_lon,
                                                               trip.to_lat, 48) + [(trip.to_lon, trip.to_lat)]
        segments, current = [], [points[0]]
        for previous, point in zip(points, points[1:]):
            if abs(point[0] - previous[0]) > 180:
                segments.append(current)
                current = []
            current.append(point)
        segments.append(current)
        for segment in segments:
            if len(segment) > 1:
                x, y = m([p[0] for p in segment], [p[1] for p in segment])
                for line in ax.plot(x, y, color=SEVERITY_COLOURS.get(trip.severity, "#c0392b"),
                                    linewidth=0.9, alpha=0.6, zorder=5):
                    line.set_clip_path(boundary)
    for severity in ("high", "low"):
        n = int((trips.severity == severity).sum())
        ax.plot([], [], color=SEVERITY_COLOURS[severity], label=f"impossible travel, {severity} ({n})")
    ax.legend(loc="lower left", fontsize=9, framealpha=0.9)
    ax.set_title(f"Sessions and impossible trips ({len(trips)} great-circle arcs, previous session → flagged one)",
                 loc="left")
    return png(fig), len(trips)


def node_order(flow_edges):
    """The flow's nodes in stages: each node after every node with an edge into it (the longest
    path from the start), end nodes last (notebook 04)."""
    nodes_ = list(dict.fromkeys(list(flow_edges.source) + list(flow_edges.target)))
    depth = {n: 0 for n in nodes_}
    for _ in range(len(nodes_)):  # relax; a cycle stops growing after len(nodes) rounds
        changed = False
        for e in flow_edges.itertuples():
            if e.source != e.target and depth[e.target] < depth[e.source] + 1 <= len(nodes_):
                depth[e.target] = depth[e.source] + 1
                changed = True
        if not changed:
            break
    ends = set(nodes_) - set(flow_edges.source)
    return sorted(nodes_, key=lambda n: (n in ends, depth[n], nodes_.index(n)))


def busiest_flow_funnel(d):
    """The busiest flow's funnel (notebook 04's, for its flow 1): a chart, its label, and the flow count."""
    con = d.con
    # Flows are told apart by flow_id, the fingerprint of the flow each session ran (flows/ has
    # each one's edges once). A legacy object flow has a flow_id but no edges: no funnel.
    flows = d.q("SELECT flow_id, count(*) AS sessions FROM sessions "
                "WHERE flow_id IN (SELECT flow_id FROM flows) "
                "GROUP BY flow_id ORDER BY sessions DESC, flow_id")
    if flows.empty:
        return None
    graph, sessions = flows.iloc[0]
    con.execute("CREATE OR REPLACE TEMP TABLE flow AS SELECT ordinal, source, outcome, target "
                "FROM flows WHERE flow_id = $flow_id", {"flow_id": graph})
    con.execute("""
        CREATE OR REPLACE TEMP TABLE finished AS
        SELECT session_id FROM sessions WHERE flow_id = $flow_id AND list_contains($statuses, status)
    """, {"flow_id": graph, "statuses": STATUSES})
    # Each node report resolved to the edge it took: the edge with that outcome key, else the
    # edge to that target (the first by ordinal).
    con.execute("""
        CREATE OR REPLACE TEMP TABLE steps AS
        SELECT n.session_id, n.ordinal AS step, n.node_id, n.node_type, n.outcome, e.ordinal AS edge, e.target
        FROM node_outcomes AS n
        JOIN finished AS f USING (session_id)
        LEFT JOIN flow AS e ON e.source = n.node_id AND (e.outcome = n.outcome OR e.target = n.outcome)
        QUALIFY row_number() OVER (PARTITION BY n.session_id, n.ordinal
                                   ORDER BY coalesce(e.outcome = n.outcome, false) DESC, e.ordinal) = 1
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE taken AS
        SELECT edge, session_id FROM steps WHERE edge IS NOT NULL
        UNION
        SELECT e.ordinal, f.session_id FROM flow AS e, finished AS f WHERE e.outcome IS NULL  -- the start's edge
    """)
    edges = d.q("SELECT ordinal, source, outcome, target FROM flow ORDER BY ordinal")
    edge_counts = d.q("SELECT edge AS ordinal, count(DISTINCT session_id) AS sessions FROM taken GROUP BY ALL")
    reached = d.q("""
        SELECT node_id, count(DISTINCT session_id) AS reached FROM (
            SELECT e.target AS node_id, t.session_id FROM taken AS t JOIN flow AS e ON e.ordinal = t.edge
            UNION SELECT node_id, session_id FROM steps
            UNION SELECT e.source, f.session_id FROM flow AS e, finished AS f WHERE e.outcome IS NULL
        ) GROUP BY ALL
    """)
    left_by = d.q("SELECT e.source AS node_id, count(DISTINCT t.session_id) AS continued "
                  "FROM taken AS t JOIN flow AS e ON e.ordinal = t.edge GROUP BY ALL")
    types = dict(d.q("SELECT node_id, mode(node_type) AS node_type FROM steps GROUP BY ALL").itertuples(index=False))
    off_graph = d.one("SELECT count(*) FROM steps WHERE edge IS NULL")[0]
    if reached.empty:
        return None

    order_all = node_order(edges)
    funnel = edges.merge(edge_counts, on="ordinal", how="left").fillna({"sessions": 0})
    funnel["sessions"] = funnel.sessions.astype(int)
    nodes = reached.merge(left_by, on="node_id", how="left").fillna({"continued": 0})
    nodes["continued"] = nodes.continued.astype(int)
    sources = set(edges.source)
    nodes["terminal"] = [n not in sources for n in nodes.node_id]
    nodes["stopped"] = np.where(nodes.terminal, 0, nodes.reached - nodes.continued)
    nodes["node_type"] = [types.get(n, "end" if t else "start" if n == order_all[0] else "?")
                          for n, t in zip(nodes.node_id, nodes.terminal)]
    order = [n for n in order_all if n in set(nodes.node_id)]
    flow_nodes = nodes.set_index("node_id").loc[order]
    top = flow_nodes.reached.max()

    fig, ax = plt.subplots(figsize=(12, 0.42 * len(order) + 1.4))
    for row, (node, info) in enumerate(flow_nodes.iterrows()):
        if info.terminal:
            ax.barh(row, info.reached, color="#b0b0b0")
            ax.text(info.reached + top * 0.01, row, f"{thousands(info.reached)} finished here", va="center", fontsize=8)
            continue
        start, notes = 0.0, []
        out = funnel[funnel.source == node].sort_values("sessions", ascending=False)
        for k, e in enumerate(out.itertuples()):
            ax.barh(row, e.sessions, left=start, color=BLUES[k % len(BLUES)], edgecolor="white", linewidth=0.5)
            start += e.sessions
            if e.sessions:
                label = "→ " + e.target if pd.isna(e.outcome) else e.outcome
                share = 100 * e.sessions / info.reached
                notes.append(f"{label} {share:.0f}%" if share >= 1 else f"{label} <1%")
        ax.barh(row, info.stopped, left=start, color="#d1495b")
        notes = notes[:3] + (["…"] if len(notes) > 3 else [])
        if info.stopped:
            notes.append(f"stopped {100 * info.stopped / info.reached:.1f}%")
        ax.text(max(start + info.stopped, info.reached) + top * 0.01, row, " · ".join(notes), va="center", fontsize=8)
    ax.set_yticks(range(len(order)), [f"{n} ({flow_nodes.node_type[n]})" for n in order], fontsize=9)
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_xlim(0, top * 1.6)
    ax.set_xlabel("sessions that reached the node")
    ax.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=c) for c in (BLUES[0], BLUES[1], "#d1495b", "#b0b0b0")],
              labels=["left by its busiest outcome", "by the next ones", "stopped there", "end node"],
              loc="upper center", bbox_to_anchor=(0.5, 0), ncol=4, fontsize=8, frameon=False,
              bbox_transform=offset_copy(ax.transAxes, fig=fig, y=-30, units="points"))  # under the x label
    label = (f"flow 1 of {len(flows)} (flow_id {graph[:12]}, {len(order_all)} nodes, {thousands(sessions)} sessions, "
             f"{thousands(flow_nodes.reached.iloc[0])} finished)")
    ax.set_title(f"Busiest flow: {label}", loc="left")
    return png(fig), label, int(off_graph)


# ---------------------------------------------------------------------------------------------
# Tables


def top_reasons(d, limit=15):
    reasons = d.q("""
        SELECT r.code, count(*) AS sessions, sum(r.points)::BIGINT AS points,
               count(*) FILTER (WHERE risk_level <> 'normal') AS elevated_or_high,
               count(*) FILTER (WHERE risk_level = 'high') AS high
        FROM (SELECT risk_level, unnest(reasons) AS r FROM scores)
        GROUP BY r.code ORDER BY points DESC, r.code LIMIT $limit
    """, limit=limit)
    reasons.insert(1, "kind", ["detector" if c in DETECTORS else "session signal" for c in reasons.code])
    return reasons


def html_table(frame, formats=None, classes=None):
    formats = formats or {}
    classes = classes or {}
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record):
            format_ = formats.get(column)
            if value is None or (isinstance(value, float) and np.isnan(value)):
                text = "–"
            elif format_:
                text = format_(value)
            elif isinstance(value, (int, np.integer)):
                text = thousands(value)
            else:
                text = str(value)
            numeric = isinstance(value, (int, float, np.integer, np.floating))
            css = classes.get(column, "num" if numeric else "")
            cells.append(f'<td class="{css}">{esc(text)}</td>' if css else f"<td>{esc(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


# ---------------------------------------------------------------------------------------------
# The page

CSS = """
body { font: 14px/1.45 -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222;
       margin: 0; background: #fafafa; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 36px 0 8px; border-bottom: 1px solid #e3e3e3; padding-bottom: 4px; }
p.meta, p.note { color: #666; margin: 4px 0 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 18px 0 8px; }
.card { flex: 1 1 130px; box-sizing: border-box; border: 1px solid #e3e3e3; border-radius: 6px; padding: 10px 12px;
        background: #fcfcfc; }
.card .value { font-size: 24px; font-weight: 600; white-space: nowrap; }
.card .sub { color: #666; font-size: 12px; }
.card .label { color: #666; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card.normal { border-top: 4px solid #8fb3d1; } .card.elevated { border-top: 4px solid #f0a202; }
.card.high { border-top: 4px solid #d1495b; }
figure { margin: 12px 0 4px; } figure img { max-width: 100%; height: auto; display: block; }
figcaption { color: #666; font-size: 13px; margin-top: 4px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #eee; text-align: left; }
th { background: #f4f4f4; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f6f6f6; border: 1px solid #e3e3e3; padding: 10px 12px; overflow-x: auto; font-size: 12px; }
code { font-size: 13px; }
"""

# Sets <body data-charts-loaded="N"> once each of the N chart images has loaded with a
# non-zero natural width; lists the ones that failed in data-charts-failed.
SCRIPT = """
(function () {
  var charts = Array.prototype.slice.call(document.querySelectorAll("img.chart"));
  function check() {
    var loaded = charts.filter(function (i) { return i.complete && i.naturalWidth > 0; });
    var failed = charts.filter(function (i) { return i.complete && i.naturalWidth === 0; });
    if (failed.length) {
      document.body.dataset.chartsFailed = failed.map(function (i) { return i.id; }).join(" ");
    }
    if (loaded.length === charts.length) {
      document.body.dataset.chartsLoaded = String(loaded.length);
    }
  }
  charts.forEach(function (i) {
    i.addEventListener("load", check);
    i.addEventListener("error", check);
  });
  check();
})();
"""


def figure(chart_id, data, alt, caption):
    return (f'<figure><img class="chart" id="{esc(chart_id)}" alt="{esc(alt)}" '
            f'src="data:image/png;base64,{data}">'
            f"<figcaption>{caption}</figcaption></figure>")


def build(data_dir, title, evaluation_file):
    d = Data(data_dir)
    d.view("scores", "results/scores")
    d.view("findings", "results/findings")
    d.view("sessions", "dataset/sessions")
    has_flows = d.view("node_outcomes", "dataset/node_outcomes", required=False) and \
        d.view("flows", "dataset/flows", required=False)

    sessions, users, first, last = d.one(
        "SELECT count(*), count(DISTINCT client_reference_id), min(created_at), max(created_at) FROM scores")
    levels = dict(d.con.execute("SELECT risk_level, count(*) FROM scores GROUP BY ALL").fetchall())
    findings, flagged = d.one("SELECT count(*), count(DISTINCT session_id) FROM findings")
    trips = d.one("SELECT count(*) FROM findings WHERE detector = 'impossible_travel'")[0]

    parts = []
    charts = 0

    def percent(n):
        return f"{100 * n / sessions:.1f}%" if sessions else "–"

    period = (f"{first:%Y-%m-%d} to {last:%Y-%m-%d}" if first is not None and last is not None else "no dates")
    parts.append(f"<h1>{esc(title)}</h1>")
    parts.append(f'<p class="meta">{thousands(sessions)} sessions from {esc(period)} · data: '
                 f"<code>{esc(d.dir.resolve())}</code> · generated "
                 f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC</p>")
    days = f"over {(last - first).days + 1} days" if first is not None and last is not None else ""
    cards = [("sessions", thousands(sessions), days, ""), ("users", thousands(users), "client_reference_id", "")]
    for level in LEVELS:
        n = levels.get(level, 0)
        bounds = {"normal": "score < 30", "elevated": "score 30–64", "high": "score ≥ 65"}[level]
        cards.append((f"{level} risk", thousands(n), f"{percent(n)} · {bounds}", level))
    cards.append(("findings", thousands(findings), f"on {thousands(flagged)} sessions", ""))
    cards.append(("impossible trips", thousands(trips), "arcs on the map", ""))
    parts.append('<div class="cards">' + "".join(
        f'<div class="card {css}"><div class="label">{esc(label)}</div><div class="value">{esc(value)}</div>'
        f'<div class="sub">{esc(sub)}</div></div>'
        for label, value, sub, css in cards) + "</div>")

    parts.append("<h2>Risk scores</h2>")
    parts.append(figure("chart-scores", chart_score_distribution(d), "Risk score distribution",
                        "Sessions per risk score (log scale), coloured by level: normal below 30, elevated from 30, "
                        "high from 65 (dashed lines). Peaks sit at the points of single reasons."))
    charts += 1

    parts.append("<h2>Top risk reasons</h2>")
    parts.append('<p class="note">What adds the most points to scores: <em>sessions</em> carrying the reason, '
                 "<em>points</em> it added in total, and how many of those sessions ended elevated or high.</p>")
    reasons = top_reasons(d)
    parts.append(html_table(reasons.rename(columns={"elevated_or_high": "in elevated/high", "high": "in high"})))

    parts.append("<h2>Findings per detector</h2>")
    parts.append(figure("chart-findings", chart_findings(d), "Findings per detector",
                        f"{thousands(findings)} findings on {thousands(flagged)} sessions, by detector and severity."))
    charts += 1

    parts.append("<h2>Where sessions come from, and impossible travel</h2>")
    map_png, arcs = chart_world_map(d)
    parts.append(figure("chart-map", map_png, "World map of sessions and impossible trips",
                        f"Grey dots: sessions by GeoIP position (rounded to half a degree, sized by sessions). Arcs: "
                        f"the {thousands(arcs)} impossible trips as great circles from the user's previous session to "
                        "the flagged one; red when high, amber when downgraded to low (a phone's coarse GeoIP)."))
    charts += 1

    parts.append("<h2>Outcome funnel of the busiest flow</h2>")
    funnel = busiest_flow_funnel(d) if has_flows else None
    if funnel is None:
        reason = ("the export has no flows/ or node_outcomes/ dataset (an older facesign-analytics); "
                  "export it again"
                  if not has_flows else "no finished session ran a flow with edges")
        parts.append(f'<p class="note">No funnel: {esc(reason)}.</p>')
    else:
        funnel_png, label, off_graph = funnel
        off = (f" {thousands(off_graph)} node reports matched no edge of the graph." if off_graph else "")
        parts.append(figure("chart-funnel", funnel_png, "Outcome funnel of the busiest flow",
                            f"{esc(label)}. Per node, the finished sessions that reached it, split by the outcome "
                            f"they left with (blues) and those that stopped there (red); end nodes grey. "
                            "Flows are told apart by their flow_id (notebooks/04_flow_funnels.ipynb has every flow)."
                            f"{off}"))
        charts += 1

    # The evaluation is facesign-analytics evaluate's own table (one implementation of the
    # counting), shown as printed.
    if evaluation_file:
        text = Path(evaluation_file).read_text(encoding="utf-8", errors="replace")
        parts.append("<h2>Detectors against the planted labels</h2>")
        parts.append('<p class="note">As printed by <code>facesign-analytics evaluate</code>: per session and per '
                     "user, precision is the share of a detector's sessions (users) that were labelled with it, "
                     "recall the share of labelled sessions (users) it found; look-alikes are benign sessions "
                     "built to imitate the anomaly.</p>")
        parts.append(f"<pre>{esc(text.rstrip())}</pre>")

    body = "\n".join(parts)
    page = (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n"
            f'<body data-charts="{charts}">\n<main>\n{body}\n</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n')
    return page, charts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", help="folder holding dataset/, results/ and optionally corpus/labels.csv")
    parser.add_argument("out", help="the HTML file to write")
    parser.add_argument("--title", default="FaceSign sessions: risk report")
    parser.add_argument("--evaluation", metavar="FILE",
                        help="a text file to include as printed (the output of facesign-analytics evaluate)")
    args = parser.parse_args()
    if args.evaluation and not Path(args.evaluation).is_file():
        parser.error(f"--evaluation: no file {args.evaluation}")
    started = time.monotonic()
    page, charts = build(args.data_dir, args.title, args.evaluation)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    size = out.stat().st_size
    print(f"report: {out} ({size / 1024:.0f} KiB, {charts} charts) in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
