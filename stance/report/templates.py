"""The report's page templates, style sheet and one small script, as Jinja templates.

Templates live here as strings (no data files to install). Pages are rendered with
autoescaping on: every value from a results file reaches the page as text.
"""

from __future__ import annotations

CSS = r"""
:root{
  --ink:#1d1d1b; --muted:#5c5f66; --faint:#8b8e94; --line:#e3e1da; --paper:#f8f7f3;
  --card:#ffffff; --focus:#0072B2;
  --sans:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans","DejaVu Sans",Arial,sans-serif;
  --serif:Charter,"Bitstream Charter","Sitka Text",Cambria,"Noto Serif","Liberation Serif","DejaVu Serif",Georgia,serif;
}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--paper);color:var(--ink);font:15px/1.5 var(--sans)}
a{color:#005a8c}
a:focus-visible,button:focus-visible{outline:2px solid var(--focus);outline-offset:2px}
.wrap{max-width:1200px;margin:0 auto;padding:28px 32px 72px}
.crumb{font-size:14px;margin:0 0 14px}
.crumb a{text-decoration:none}
.crumb a:hover{text-decoration:underline}
h1{font-size:26px;line-height:1.25;font-weight:650;margin:0 0 6px;overflow-wrap:break-word}
h2{font-size:13px;font-weight:650;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:0 0 14px}
h3{font-size:14.5px;font-weight:650;color:var(--ink);margin:0 0 10px}
.meta{color:var(--muted);font-size:14px;margin:0;overflow-wrap:break-word}
.meta span+span::before{content:"·";margin:0 .45em 0 .2em;color:var(--faint)}
.panel{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:20px 22px;margin:20px 0}
.strip{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:20px 44px;align-items:start}
.strip svg.chart{width:100%;height:auto;max-width:460px;display:block;overflow:visible}
.lead{font-size:17px;margin:0 0 16px}
.lead strong{font-weight:650}
.legend{display:flex;flex-wrap:wrap;gap:8px 20px;align-items:center;font-size:13.5px;color:var(--muted);margin:0;padding:0;list-style:none}
.legend li{display:inline-flex;align-items:center;gap:7px}
.legend.vertical{flex-direction:column;align-items:flex-start;gap:9px}
.hint{color:var(--muted);font-size:13px;margin:14px 0 0}
.swatch{display:inline-block;width:22px;height:14px;border-radius:3px;border-left:4px solid var(--c);background:color-mix(in srgb,var(--c) 22%,transparent)}
.swatch.plain{background:#fff;border:1px solid #dcdad3;border-left:4px solid #cfcdc5}
.ul-sample{color:var(--ink);font-family:var(--serif);font-size:15px;text-decoration:underline;text-decoration-thickness:3px;text-underline-offset:4px;text-decoration-color:#444}
.ul-sample.against{text-decoration-style:dotted}
.badge{display:inline-flex;align-items:center;gap:6px;border:1.5px solid var(--c);border-radius:999px;
  padding:1px 10px 1px 8px;font:500 12.5px/1.5 var(--sans);color:var(--ink);background:#fff;white-space:nowrap}
.badge::before{content:"";flex:none;width:8px;height:8px;border-radius:50%;background:var(--c)}
.badge .score{color:var(--muted);font-variant-numeric:tabular-nums}
.badge.strong{font-weight:650}
.stance-tag{display:inline-flex;align-items:center;gap:6px;border-radius:4px;padding:1px 8px;
  font:650 12.5px/1.5 var(--sans);color:var(--ink);border:1.5px solid var(--c);
  background:color-mix(in srgb,var(--c) 16%,#fff);white-space:nowrap}
.stance-tag .score{font-weight:500;color:var(--muted);font-variant-numeric:tabular-nums}
/* index table */
.table-scroll{overflow-x:auto}
table.articles{width:100%;border-collapse:collapse;font-size:14px}
table.articles th{position:sticky;top:0;background:var(--card);text-align:left;vertical-align:bottom;
  font-size:12px;font-weight:650;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);
  border-bottom:2px solid var(--line);padding:8px 10px;white-space:nowrap}
table.articles th.num{text-align:right}
table.articles th.tech{white-space:normal;min-width:7.5em}
table.articles th button{all:unset;cursor:pointer;border-radius:3px}
table.articles th button::after{content:"↕";margin-left:4px;color:#c2c0b8;font-size:11px}
table.articles th[aria-sort=ascending] button::after{content:"▲";color:var(--ink)}
table.articles th[aria-sort=descending] button::after{content:"▼";color:var(--ink)}
table.articles td{padding:11px 9px;border-bottom:1px solid var(--line);vertical-align:middle}
table.articles tbody tr:hover td{background:#f4f3ee}
table.articles td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.title a{font-weight:600;text-decoration:none;overflow-wrap:anywhere}
td.title a:hover{text-decoration:underline}
td.title .snippet{display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden;
  color:var(--muted);font-size:13px;line-height:1.4;margin-top:2px;max-width:34ch}
td.rate{white-space:nowrap;text-align:right;font-variant-numeric:tabular-nums}
td.rate .rate-n{display:block;margin-bottom:3px}
td.rate svg{display:inline-block}
td.lean{white-space:nowrap}
svg.mini{border-radius:2px;overflow:hidden;vertical-align:middle;display:inline-block}
.conf{color:var(--muted);font-variant-numeric:tabular-nums;margin-left:6px;font-size:13px}
.nothing{color:var(--faint)}
/* article text */
.reading{display:grid;grid-template-columns:minmax(0,46rem) minmax(16rem,1fr);gap:36px;align-items:start}
.sentences{font:18px/1.62 var(--serif);margin:8px 0 0}
.s{position:relative;display:grid;grid-template-columns:2.6rem minmax(0,1fr);column-gap:14px;
  padding:6px 14px 6px 0;margin:3px 0;border-left:4px solid var(--c);border-radius:0 6px 6px 0;
  background:color-mix(in srgb,var(--c) calc(var(--a,0) * 100%),transparent)}
.s.plain{border-left:4px solid #e6e4dd;background:transparent}
.s.para{margin-top:20px}
.s:target{outline:2px solid var(--focus);outline-offset:2px}
.s .n{font:12px/2.5 var(--sans);color:var(--faint);text-align:right;text-decoration:none;font-variant-numeric:tabular-nums}
.s .n:hover{color:var(--ink)}
.s .t{margin:0;overflow-wrap:anywhere;white-space:pre-wrap}
.s .tags{grid-column:2;display:flex;flex-wrap:wrap;gap:6px;margin:6px 0 2px}
.s .note{font:12.5px var(--sans);color:#8a4b00}
.ev{text-decoration:underline;text-decoration-color:var(--c);text-decoration-thickness:3px;
  text-underline-offset:4px;text-decoration-skip-ink:none}
.ev.against{text-decoration-style:dotted;text-decoration-thickness:2px}
.top-list{margin:0;padding:0;list-style:none;font-size:13.5px}
.top-list>li{margin:0 0 14px}
.top-list ol{margin:6px 0 0;padding:0;list-style:none}
.top-list ol li{margin:3px 0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.top-list ol a{color:var(--ink);text-decoration:none}
.top-list ol a:hover{text-decoration:underline}
.top-list .num{display:inline-block;min-width:2.2em;color:#005a8c;font-variant-numeric:tabular-nums}
aside.side{font-size:14px}
aside.side .panel{margin:8px 0 16px}
footer{color:var(--faint);font-size:13px;margin-top:40px}
@media (max-width:900px){.reading{grid-template-columns:minmax(0,1fr)}.wrap{padding:20px 16px 56px}}
@media print{body{background:#fff}.s,.swatch,svg{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  .crumb{display:none}}
"""

#: Sorts the index table when a column header is clicked: numbers largest first on the
#: first click, text A to Z; a second click reverses. No other script is on the pages.
SORT_SCRIPT = r"""
(function () {
  var table = document.getElementById("articles");
  if (!table) return;
  var heads = table.tHead.rows[0].cells;
  function key(row, i, numeric) {
    var cell = row.cells[i];
    var value = cell.getAttribute("data-sort");
    if (value === null) value = cell.textContent.trim();
    return numeric ? parseFloat(value) : value.toLowerCase();
  }
  Array.prototype.forEach.call(heads, function (th, i) {
    var button = th.querySelector("button");
    if (!button) return;
    button.addEventListener("click", function () {
      var numeric = th.getAttribute("data-type") === "number";
      var current = th.getAttribute("aria-sort");
      var ascending = current ? current === "descending" : !numeric;
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a, i, numeric), y = key(b, i, numeric);
        var order = numeric ? x - y : x.localeCompare(y);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
})();
"""

BASE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="stance report">
<meta name="referrer" content="no-referrer">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<title>{% block title %}{% endblock %}</title>
<style>{{ css }}
{{ label_css }}</style>
</head>
<body>
<div class="wrap">
{% block body %}{% endblock %}
<footer>Written by <code>stance report</code> from {{ info.results_name }} on {{ info.generated }}.
Predictions are a model's reading of each sentence, not facts about the article: open a
sentence's hover title for its scores before quoting it.</footer>
</div>
{% if script %}<script>{{ script }}</script>{% endif %}
</body>
</html>
"""

MACROS = """
{% macro badge(label, score=None, strong=False) -%}
<span class="badge {{ labels.css_class(label) }}{% if strong %} strong{% endif %}" title="{{ label }}">
{{- display(label) }}{% if score is not none %} <span class="score">{{ '%.2f'|format(score) }}</span>{% endif -%}
</span>
{%- endmacro %}

{% macro stance_tag(label, score) -%}
<span class="stance-tag {{ labels.css_class(label) }}" title="stance {{ label }}, probability {{ '%.2f'|format(score) }}">
{{- display(label) }} <span class="score">{{ '%.2f'|format(score) }}</span></span>
{%- endmacro %}

{% macro legend(labels, evidence=False, vertical=False) -%}
<ul class="legend{% if vertical %} vertical{% endif %}" aria-label="Legend">
{% for s in labels.sides %}<li><span class="swatch {{ labels.css_class(s) }}"></span>{{ display(s) }}{% if vertical %} sentence{% endif %}</li>{% endfor %}
{% if labels.default_stance %}<li><span class="swatch plain"></span>{{ display(labels.default_stance) }}{% if vertical %} sentence (no tint){% endif %}</li>{% endif %}
{% for t in labels.techniques %}<li>{{ badge(t) }}</li>{% endfor %}
{% if evidence %}<li><span class="ul-sample">underlined</span>words that carry a label</li>
<li><span class="ul-sample against">dotted</span>words that speak against it</li>{% endif %}
</ul>
{%- endmacro %}
"""

INDEX = """{% extends "base.html" %}
{% from "macros.html" import badge, legend with context %}
{% block title %}Stance report: {{ rows|length }} article{{ 's' if rows|length != 1 }}{% endblock %}
{% block body %}
<h1>Stance report</h1>
<p class="meta"><span>{{ rows|length }} article{{ 's' if rows|length != 1 }}</span> <span>{{ totals.sentences }} sentences</span>{% if totals.languages %} <span>languages: {{ totals.languages }}</span>{% endif %}{% if info.models %} <span>model {{ info.models }}</span>{% endif %}</p>

<section class="panel" aria-label="All articles together">
<h2>All articles together</h2>
<div class="strip">
<div><h3>Stance of the sentences</h3>{{ totals.stance_chart }}</div>
<div><h3>Techniques per 100 sentences</h3>{{ totals.technique_chart }}</div>
</div>
</section>

<section class="panel">
<h2>Articles</h2>
<p class="meta" style="margin:-4px 0 14px">Click a column to sort; click an article to read it
sentence by sentence. Technique rates are per 100 sentences, on a common scale of {{ scale|round(1) }}.</p>
{{ legend(labels) }}
<div class="table-scroll" style="margin-top:14px">
<table class="articles" id="articles">
<thead><tr>
<th scope="col" data-type="text"><button type="button">Article</button></th>
<th scope="col" data-type="text"><button type="button">Lang.</button></th>
<th scope="col" class="num" data-type="number"><button type="button">Sentences</button></th>
<th scope="col" data-type="number"><button type="button" title="Sorted by side, then confidence">Leaning</button></th>
<th scope="col" data-type="number"><button type="button" title="Sorted by the share of partisan sentences">Stance shares</button></th>
{% for t in labels.techniques %}<th scope="col" class="num tech" data-type="number"><button type="button" title="{{ t }} per 100 sentences">{{ display(t) }}</button></th>
{% endfor %}
</tr></thead>
<tbody>
{% for row in rows %}
<tr>
<td class="title" data-sort="{{ row.doc_id }}"><a href="{{ row.href }}" title="{{ row.source }}">{{ row.name }}</a>
<span class="snippet" title="{{ row.snippet }}">{{ row.snippet }}</span></td>
<td>{{ row.language or '?' }}</td>
<td class="num">{{ row.n_sentences }}</td>
<td class="lean" data-sort="{{ row.leaning_key }}">{{ badge(row.leaning, strong=True) }}<span class="conf" title="leaning confidence: {{ confidence_help }}">{{ '%.2f'|format(row.leaning_confidence) }}</span></td>
<td data-sort="{{ row.partisan }}">{{ row.stance_bar }}</td>
{% for t in labels.techniques %}<td class="rate" data-sort="{{ row.rates.get(t, 0) }}">{% if t in row.rates %}<span class="rate-n">{{ '%.1f'|format(row.rates[t]) }}</span>{{ row.rate_bars[t] }}{% else %}<span class="nothing" title="not in this record">n/a</span>{% endif %}</td>
{% endfor %}
</tr>
{% endfor %}
</tbody>
</table>
</div>
</section>
{% endblock %}
"""

ARTICLE = """{% extends "base.html" %}
{% from "macros.html" import badge, stance_tag, legend with context %}
{% block title %}{{ a.name }}: stance report{% endblock %}
{% block body %}
<p class="crumb"><a href="../index.html">← All articles</a></p>
<h1>{{ a.name }}</h1>
<p class="meta"><span title="source">{{ a.source }}</span>{% if a.language %} <span>language {{ a.language }}</span>{% endif %} <span>{{ a.n_sentences }} sentence{{ 's' if a.n_sentences != 1 }}</span>{% if a.model %} <span>{{ a.model }}</span>{% endif %}{% if a.content_hash %} <span title="content hash">#{{ a.content_hash }}</span>{% endif %}</p>

<section class="panel" aria-label="Summary">
<p class="lead">Leans {{ badge(a.leaning, strong=True) }} with confidence <strong title="{{ confidence_help }}">{{ '%.2f'|format(a.leaning_confidence) }}</strong></p>
<div class="strip">
<div><h3>Stance of the sentences</h3>{{ a.stance_chart }}</div>
<div><h3>Techniques per 100 sentences</h3>{{ a.technique_chart }}</div>
</div>
</section>

<div class="reading">
<section class="sentences" lang="{{ a.language }}" aria-label="Text, sentence by sentence">
{% for s in a.sentences %}
<div class="s {{ s.css }}{% if s.para %} para{% endif %}" id="s{{ s.number }}" data-stance="{{ s.stance }}" style="--a:{{ s.alpha }}" title="{{ s.title }}">
<a class="n" href="#s{{ s.number }}" aria-label="sentence {{ s.number }}">{{ s.number }}</a>
<p class="t">{% for piece in s.pieces %}{% if piece.marks %}<span class="ev {{ labels.css_class(piece.label) }}{% if piece.against %} against{% endif %}" title="{{ piece.title }}">{{ piece.text }}</span>{% else %}{{ piece.text }}{% endif %}{% endfor %}</p>
{% if s.partisan or s.techniques or s.notes %}<div class="tags">{% if s.partisan %}{{ stance_tag(s.stance, s.probability) }}{% endif %}{% for t in s.techniques %}{{ badge(t, s.technique_scores.get(t)) }}{% endfor %}
{% for note in s.notes %}<span class="note">{{ note }}</span>{% endfor %}</div>{% endif %}
</div>
{% endfor %}
</section>
<aside class="side">
<section class="panel" aria-label="How to read">
<h2>How to read</h2>
{{ legend(labels, evidence=a.has_evidence, vertical=True) }}
<p class="hint">The tint of a sentence is its stance, stronger the surer the model; hover over a
sentence for all its scores.</p>
</section>
<section class="panel" aria-label="Sentences that drive each label">
<h2>Strongest sentences</h2>
{% if a.top %}
<ul class="top-list">
{% for label, items in a.top %}<li>{{ badge(label) }}
<ol>{% for n, text in items %}<li><a href="#s{{ n }}"><span class="num">{{ n }}</span> {{ text }}</a></li>{% endfor %}</ol></li>
{% endfor %}
</ul>
{% else %}<p class="hint">No sentence is partisan or uses a technique.</p>{% endif %}
</section>
</aside>
</div>
{% endblock %}
"""

TEMPLATES = {"base.html": BASE, "macros.html": MACROS, "index.html": INDEX,
             "article.html": ARTICLE}
