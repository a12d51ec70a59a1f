# ruff: noqa: E501  (HTML lines are as long as their markup)
"""The run report's HTML template (Jinja2, autoescaped): one file, inline CSS, images as data: URIs.

Kept in Python rather than a template file so that it ships with the package whatever the install
mode. The page loads nothing from anywhere: no fonts, scripts, styles or images from a network.
The one inline script only counts the charts the browser decoded (``data-images-loaded`` on
``<body>``), which the headless-browser test reads.
"""

RUN_REPORT = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="juesuan {{ version }}">
<title>决算 run report {{ run.run_id }}</title>
<style>
  :root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --ok: #2f855a; --warn: #b7791f; --bad: #c53030; }
  body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei", sans-serif;
         color: var(--ink); margin: 0 auto; max-width: 1200px; padding: 1.5rem; line-height: 1.45; }
  h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 2px solid var(--line); padding-bottom: 0.2rem; margin-top: 2rem; }
  .meta { color: var(--muted); font-size: 0.9rem; }
  .cards { display: flex; flex-wrap: wrap; gap: 0.8rem; margin: 1rem 0; }
  .card { border: 1px solid var(--line); border-radius: 6px; padding: 0.6rem 1rem; min-width: 8rem; }
  .card b { display: block; font-size: 1.6rem; }
  table { border-collapse: collapse; width: 100%; font-size: 0.88rem; margin: 0.5rem 0 1rem; }
  th, td { border-bottom: 1px solid var(--line); padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
  th { background: #f5f7fa; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  .status-loaded, .quality-exact, .quality-rounding { color: var(--ok); }
  .quality-warnings, .severity-warning, .severity-rounding { color: var(--warn); }
  .status-quarantined, .status-failed, .status-withdrawn, .quality-errors, .severity-error { color: var(--bad); font-weight: bold; }
  figure { margin: 1rem 0 2rem; } figure img { max-width: 100%; border: 1px solid var(--line); }
  figcaption { color: var(--muted); font-size: 0.85rem; }
  .note { color: var(--muted); font-style: italic; }
  details summary { cursor: pointer; color: var(--muted); }
</style>
</head>
<body data-run-id="{{ run.run_id }}" data-units="{{ coverage | length }}">
<header>
  <h1>决算 run report</h1>
  <p class="meta">run <code>{{ run.run_id }}</code> · written {{ run.written_at }}{% if run.seconds is not none %} · took {{ "%.1f" | format(run.seconds) }} s{% endif %}
  · registry <code>{{ run.registry }}</code> · warehouse <code>{{ run.warehouse }}</code></p>
</header>

<section id="summary">
  <h2>Run summary</h2>
  <div class="cards">
    <div class="card"><b>{{ run.documents }}</b>documents</div>
    <div class="card"><b>{{ run.loaded }}</b>loaded</div>
    <div class="card"><b>{{ run.failed }}</b>failed or quarantined</div>
    <div class="card"><b>{{ run.facts }}</b>facts in the warehouse</div>
    <div class="card"><b>{{ run.unit_count }}</b>units</div>
    <div class="card"><b>{{ run.years | join(", ") or "—" }}</b>years</div>
  </div>
  {% if run.actions %}<p class="meta">this run: {% for name, count in run.actions %}{{ name }} {{ count }}{% if not loop.last %} · {% endif %}{% endfor %}</p>{% endif %}
</section>

<section id="coverage">
  <h2>Units and years covered</h2>
  <table>
    <thead><tr><th>unit</th><th>name</th><th>year</th><th>document</th><th>figures from</th><th class="num">table facts</th><th class="num">narrative facts</th><th>identities</th><th class="num">checked</th></tr></thead>
    <tbody>
    {% for row in coverage %}
      <tr class="unit-row" data-unit="{{ row.unit_id }}">
        <td><code>{{ row.unit_id }}</code></td><td>{{ row.unit_name or "" }}</td><td>{{ row.year or "—" }}</td>
        <td class="status-{{ row.document_status or 'none' }}">{{ row.document_status or "no document" }}</td>
        <td>{{ row.figures_source or "—" }}</td>
        <td class="num">{{ row.table_facts }}</td><td class="num">{{ row.narrative_facts }}</td>
        <td class="quality-{{ row.quality | replace(' ', '-') }}">{{ row.quality }}</td>
        <td class="num">{{ row.checked_text }}</td>
      </tr>
    {% endfor %}
    </tbody>
  </table>
</section>

<section id="headline">
  <h2>Headline figures and ratios (万元)</h2>
  <table>
    <thead><tr>{% for column in headline.columns %}<th{% if column in headline.numeric %} class="num"{% endif %}>{{ column }}</th>{% endfor %}</tr></thead>
    <tbody>
    {% for row in headline.rows %}<tr>{% for cell in row %}<td{% if headline.columns[loop.index0] in headline.numeric %} class="num"{% endif %}>{{ cell }}</td>{% endfor %}</tr>{% endfor %}
    </tbody>
  </table>
  {% if growth.rows %}
  <h3>Year on year</h3>
  <table>
    <thead><tr>{% for column in growth.columns %}<th{% if column in growth.numeric %} class="num"{% endif %}>{{ column }}</th>{% endfor %}</tr></thead>
    <tbody>
    {% for row in growth.rows %}<tr>{% for cell in row %}<td{% if growth.columns[loop.index0] in growth.numeric %} class="num"{% endif %}>{{ cell }}</td>{% endfor %}</tr>{% endfor %}
    </tbody>
  </table>
  {% endif %}
</section>

<section id="charts">
  <h2>Comparison charts</h2>
  {% for chart in charts %}
  <figure class="chart" data-kind="{{ chart.kind }}">
    {% if chart.data_uri %}<img src="{{ chart.data_uri }}" alt="{{ chart.title }}">{% else %}<p class="note">{{ chart.title }}: not drawn — {{ chart.error }}</p>{% endif %}
    <figcaption>{{ chart.title }}</figcaption>
  </figure>
  {% endfor %}
</section>

<section id="identities">
  <h2>Accounting identities (勾稽关系)</h2>
  {% if identities.summary %}
  <p class="meta">validation run <code>{{ identities.run_ids | join(", ") }}</code>{% if identities.index_link %} · <a href="{{ identities.index_link }}">Data Docs</a>{% else %} · Data Docs not built{% endif %}</p>
  <table>
    <thead><tr><th>unit</th><th>year</th><th class="num">checks</th><th class="num">passed</th><th class="num">rounding</th><th class="num">warnings</th><th class="num">errors</th><th class="num">not checkable</th><th>status</th></tr></thead>
    <tbody>
    {% for row in identities.summary %}
      <tr><td><code>{{ row.unit_id }}</code></td><td>{{ row.year }}</td><td class="num">{{ row.checks }}</td><td class="num">{{ row.passed }}</td>
      <td class="num">{{ row.rounding }}</td><td class="num">{{ row.warnings }}</td><td class="num">{{ row.errors }}</td><td class="num">{{ row.not_checkable }}</td>
      <td class="severity-{{ row.status }}">{{ row.status }}</td></tr>
    {% endfor %}
    </tbody>
  </table>
  <h3>Findings ({{ identities.findings | length }}: errors, warnings and rounding, worst first)</h3>
  <table id="findings">
    <thead><tr><th>severity</th><th>unit</th><th>year</th><th>rule</th><th>table(s)</th><th>line · column</th><th class="num">left</th><th class="num">right</th><th class="num">difference</th><th>pages</th><th>details</th></tr></thead>
    <tbody>
    {% for f in identities.findings %}
      <tr class="finding"><td class="severity-{{ f.severity }}">{{ f.severity }}</td><td><code>{{ f.unit_id }}</code></td><td>{{ f.year }}</td>
      <td>{{ f.rule_id }} {{ f.check_name }}</td><td>{{ f.tables }}</td><td>{{ f.line }} · {{ f.column_name }}</td>
      <td class="num">{{ f.left }}</td><td class="num">{{ f.right }}</td><td class="num">{{ f.difference }}</td><td>{{ f.pages }}</td>
      <td>{% if f.link %}<a href="{{ f.link }}">Data Docs</a>{% else %}—{% endif %}</td></tr>
    {% else %}
      <tr><td colspan="11" class="note">no error, warning or rounding finding</td></tr>
    {% endfor %}
    </tbody>
  </table>
  {% if identities.not_checkable %}
  <details><summary>{{ identities.not_checkable | length }} checks not checkable (a side not published, not stated, or in a table juesuan could not read reliably)</summary>
  <table><tbody>
  {% for f in identities.not_checkable %}<tr><td><code>{{ f.unit_id }}</code> {{ f.year }}</td><td>{{ f.rule_id }} {{ f.check_name }}</td><td>{{ f.tables }}</td><td>{{ f.line }} · {{ f.column_name }}</td><td>{{ f.message }}</td></tr>{% endfor %}
  </tbody></table></details>
  {% endif %}
  {% else %}
  <p class="note">No validation run is in this warehouse: run <code>juesuan validate</code> to check the accounting identities.</p>
  {% endif %}
</section>

<section id="failures">
  <h2>Documents that failed</h2>
  {% if failures %}
  <table>
    <thead><tr><th>unit</th><th>year</th><th>status</th><th>reason</th><th>source</th></tr></thead>
    <tbody>
    {% for f in failures %}<tr class="failure"><td><code>{{ f.unit_id }}</code></td><td>{{ f.year }}</td><td class="status-{{ f.status }}">{{ f.status }}</td><td>{{ f.error or "" }}</td><td><code>{{ f.url }}</code></td></tr>{% endfor %}
    </tbody>
  </table>
  {% else %}
  <p class="note" id="no-failures">Every document of the run was loaded.</p>
  {% endif %}
</section>

<footer class="meta"><p>Amounts in 万元. Table figures win; the narrative (情况说明) fills in where a report published no table. Written by juesuan {{ version }}; this page needs no network.</p></footer>
<script>
  window.addEventListener("load", function () {
    var images = Array.prototype.slice.call(document.images);
    var decoded = images.filter(function (img) { return img.complete && img.naturalWidth > 0; }).length;
    document.body.setAttribute("data-images-loaded", String(decoded));
  });
</script>
</body>
</html>
"""
