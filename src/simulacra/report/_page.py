"""The page around the sections: document head, inline style and the one line of script."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from simulacra.data._io import atomic_path
from simulacra.evaluation import Report
from simulacra.report._html import esc
from simulacra.report._names import report_columns, short_forms, shorten
from simulacra.report._sections import family_section, header, nav, notes, scorecard

_CSS = """
:root{--real:#2b6cb0;--syn:#dd6b20;--ink:#1a202c;--muted:#4a5568;--line:#e2e8f0;
--bg:#f4f6f9;--card:#fff;--good:#276749;--good-bg:#c6f6d5;--fair:#7b4a0a;--fair-bg:#fbe7b0;
--poor:#9b2c2c;--poor-bg:#fed7d7;--na:#4a5568;--na-bg:#e2e8f0;color-scheme:light}
*{box-sizing:border-box}
html{scroll-behavior:smooth;scroll-padding-top:52px}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,
"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;-webkit-font-smoothing:antialiased}
.wrap{max-width:1200px;margin:0 auto;padding:0 24px}
header.top{background:#1a365d;color:#fff;padding:28px 0 22px}
header.top h1{margin:2px 0 14px;font-size:28px;font-weight:650;overflow-wrap:anywhere}
.eyebrow{margin:0;text-transform:uppercase;letter-spacing:.08em;font-size:12px;color:#bee3f8}
.facts{display:flex;flex-wrap:wrap;gap:8px 28px;margin:0}
.facts div{min-width:90px}.facts dt{font-size:12px;color:#bee3f8}
.facts dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
nav{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid var(--line)}
nav .wrap{display:flex;gap:22px;overflow-x:auto}
nav a{display:block;padding:11px 0;color:var(--muted);text-decoration:none;font-weight:550;
font-size:14px;white-space:nowrap}nav a:hover{color:var(--real)}
main{padding-bottom:48px}
section{margin-top:34px}
h2{font-size:22px;margin:0 0 6px}h3{font-size:17px;margin:0}h4{font-size:14px;margin:18px 0 8px}
a{color:var(--real)}
.muted{color:var(--muted)}.small{font-size:13px}
.lead{margin:0 0 14px;color:var(--muted)}
.section-head,.fam-head,.metric-head{display:flex;align-items:center;gap:10px;flex-wrap:wrap}
.section-head h2{margin:0}
.badge{display:inline-block;padding:1px 9px;border-radius:999px;font-size:11.5px;
font-weight:700;letter-spacing:.04em;text-transform:uppercase;white-space:nowrap;
background:var(--na-bg);color:var(--na)}
.badge.good{background:var(--good-bg);color:var(--good)}
.badge.fair{background:var(--fair-bg);color:var(--fair)}
.badge.poor{background:var(--poor-bg);color:var(--poor)}
.scorecard{display:grid;grid-template-columns:repeat(auto-fit,minmax(250px,1fr));gap:16px;
align-items:start}
.family{background:var(--card);border:1px solid var(--line);border-top:5px solid var(--na);
border-radius:8px;padding:14px 16px}
.family.v-good{border-top-color:#38a169}.family.v-fair{border-top-color:#d69e2e}
.family.v-poor{border-top-color:#e53e3e}.family.v-na{border-top-color:#a0aec0}
.fam-head{justify-content:space-between}.fam-head a{color:var(--ink);text-decoration:none}
.headline{margin:8px 0 10px;font-weight:550}
.checks{list-style:none;margin:0;padding:0}
.checks li{padding:7px 0;border-top:1px solid var(--line)}
.check-line{display:flex;align-items:center;gap:8px}
.check-label{flex:1;font-size:14px}
.check-value{font-variant-numeric:tabular-nums;font-weight:650;white-space:nowrap}
.checks .badge{font-size:10px;padding:0 7px}
.rule,.reason{font-size:12px;color:var(--muted)}.reason{font-style:italic}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:16px;
align-items:start}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:16px 20px;min-width:0}
.card.wide{grid-column:1/-1}
.metric-head .value{font-size:20px;font-weight:700;font-variant-numeric:tabular-nums;
margin-left:auto}
.metric p{margin:6px 0}.description{max-width:80ch;font-size:14.5px}
.skipped{background:#fffaf0;border-left:3px solid #d69e2e;padding:6px 10px}
.notes{font-size:13px;color:var(--muted);padding-left:18px}
.table-wrap{overflow-x:auto;margin:8px 0}
.scroll{max-height:380px;overflow-y:auto}
table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}
th,td{padding:4px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top;
overflow-wrap:anywhere}
thead th{position:sticky;top:0;background:#f7fafc;font-weight:650;color:var(--muted)}
td.n{text-align:right;white-space:nowrap}
table.kv{width:auto;margin:8px 0}table.kv th{font-weight:500;color:var(--muted);
white-space:nowrap}
.fig-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:14px;
align-items:start}
.solo figure{display:inline-block;max-width:100%}
figure .muted{display:block}
.fig-grid.heat{grid-template-columns:repeat(auto-fit,minmax(280px,1fr))}
figure{margin:0;padding:10px;border:1px solid var(--line);border-radius:6px;min-width:0}
figcaption{display:flex;gap:8px;align-items:baseline;flex-wrap:wrap;font-size:13px;
margin-bottom:4px}figcaption strong{overflow-wrap:anywhere}
figcaption .muted{font-size:12px}
svg.chart{display:block;height:auto;max-width:100%;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
svg.chart rect:hover,svg.chart circle:hover{stroke:var(--ink);stroke-width:1;
vector-effect:non-scaling-stroke}

.legend{display:flex;gap:16px;flex-wrap:wrap;font-size:13px;margin:6px 0 10px}
.legend span{display:inline-flex;align-items:center;gap:6px}
.key{display:inline-block;width:14px;height:10px;background:var(--c);opacity:.75;
border-radius:2px}.key.line{height:0;border-top:2.5px solid var(--c);background:none;opacity:1}
.scales{display:flex;align-items:center;gap:10px;flex-wrap:wrap;font-size:13px;margin-top:8px}

details.more{margin-top:12px}details.more>summary{cursor:pointer;color:var(--real);
font-weight:550;margin-bottom:10px}
footer{margin-top:40px;color:var(--muted);font-size:13px}
@media (max-width:600px){.cards{grid-template-columns:1fr}.wrap{padding:0 14px}}
@media print{nav{display:none}body{background:#fff;font-size:12px}
header.top{background:#fff;color:var(--ink);border-bottom:2px solid var(--ink)}
.eyebrow,.facts dt{color:var(--muted)}
.card,.family,figure{break-inside:avoid;border-color:#cbd5e0}
.scroll{max-height:none;overflow:visible}thead th{position:static}
section{break-before:auto}}
"""

# Open every folded chart before printing, so the paper copy is complete.
_JS = ("window.addEventListener('beforeprint',function(){"
       "document.querySelectorAll('details').forEach(function(d){d.open=true;});});")
# Nothing is fetched from anywhere, and no script runs but the one above.
_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-"
        + base64.b64encode(hashlib.sha256(_JS.encode()).digest()).decode() + "'")


def page(report: Report) -> str:
    """The whole document."""
    # Through JSON types: numpy arrays and scalars become lists and numbers, NaN None; long
    # column names shortened (the notes list them in full, once).
    data = report.to_dict()
    forms = short_forms(report_columns(data))
    report = Report.from_dict(shorten(data, forms))
    verdicts = report.scorecard()
    table = report.info.get("table") or "table"
    version = report.info.get("simulacra_version")
    main = [scorecard(report, verdicts), *(family_section(report, v) for v in verdicts),
            notes(report, forms)]
    footer = "Generated by simulacra" + (f" {version}" if version else "") + "."
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        f'<meta http-equiv="Content-Security-Policy" content="{esc(_CSP)}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>Synthetic data report: {esc(table)}</title>\n",
        f"<style>{_CSS}</style>\n</head>\n<body>\n",
        header(report), nav(report),
        f'<main class="wrap">{"".join(main)}<footer>{esc(footer)}</footer></main>\n',
        f"<script>{_JS}</script>\n</body>\n</html>\n",
    ])


def write_page(html: str, path: str | Path) -> Path:
    """Write a rendered page as UTF-8 under a temporary name, then rename it to ``path``."""
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return target
