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
<title>决算运行报告 {{ run.run_id }}</title>
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
  .severity-error { color: var(--bad); font-weight: bold; }
  .verdict-ok { color: var(--ok); font-weight: bold; } .verdict-bad { color: var(--bad); font-weight: bold; }
  tr.finding td.sentence { max-width: 38rem; }
  .small { font-size: 0.8rem; color: var(--muted); }
</style>
</head>
<body data-run-id="{{ run.run_id }}" data-units="{{ coverage | length }}">
<header>
  <h1>决算运行报告</h1>
  <p class="meta">运行 <code>{{ run.run_id }}</code> · 生成于 {{ run.written_at }}{% if run.seconds is not none %} · 用时 {{ "%.1f" | format(run.seconds) }} 秒{% endif %}
  · 登记表 <code>{{ run.registry }}</code> · 数据仓库 <code>{{ run.warehouse }}</code></p>
</header>

<section id="summary">
  <h2>本次运行概况</h2>
  <div class="cards">
    <div class="card"><b>{{ run.documents }}</b>份文件</div>
    <div class="card"><b>{{ run.loaded }}</b>份已读取</div>
    <div class="card"><b>{{ run.failed }}</b>份未能读取或已隔离</div>
    <div class="card"><b class="{{ 'verdict-bad' if identities.total_errors else 'verdict-ok' }}">{{ identities.total_errors }}</b>处错误</div>
    <div class="card"><b>{{ run.facts }}</b>条数据</div>
    <div class="card"><b>{{ run.unit_count }}</b>个单位</div>
    <div class="card"><b>{{ run.years | join(", ") or "—" }}</b>年度</div>
  </div>
  {% if run.actions %}<p class="meta">本次：{% for name, count in run.actions %}{{ name }} {{ count }}{% if not loop.last %} · {% endif %}{% endfor %}</p>{% endif %}
</section>

<section id="failures">
  <h2>未能读取的文件</h2>
  {% if failures %}
  <table>
    <thead><tr><th>报告</th><th>状态</th><th>问题</th><th>原因</th><th>建议</th><th>文件</th></tr></thead>
    <tbody>
    {% for f in failures %}<tr class="failure"><td>{{ f.report }} <code>{{ f.unit_id }}</code></td><td class="status-{{ f.status }}">{{ f.status_label }}</td><td>{{ f.problem }}</td><td>{{ f.error or "" }}</td><td>{{ f.action }}</td><td><code>{{ f.source }}</code></td></tr>{% endfor %}
    </tbody>
  </table>
  {% else %}
  <p class="note" id="no-failures">本次所有文件均已读取。</p>
  {% endif %}
</section>

<section id="identities">
  <h2>勾稽关系核对</h2>
  {% if identities.summary %}
  <p class="meta">核对运行 <code>{{ identities.run_ids | join(", ") }}</code>{% if identities.page_link %} · <a href="{{ identities.page_link }}">核对明细（每项一个锚点）</a>{% else %} · 核对明细未生成{% endif %}{% if identities.index_link %} · <a href="{{ identities.index_link }}">GX Data Docs</a>{% endif %}</p>
  <table id="identity-summary">
    <thead><tr><th>报告</th><th class="num">核对</th><th class="num">通过</th><th class="num">尾差</th><th class="num">提示</th><th class="num">错误</th><th class="num">无法核对</th><th>结论</th></tr></thead>
    <tbody>
    {% for row in identities.summary %}
      <tr><td>{{ row.unit_name or row.unit_id }} {{ row.year }}年度{{ row.report_kind or "决算" }} <code>{{ row.unit_id }}</code></td><td class="num">{{ row.checks }}</td><td class="num">{{ row.passed }}</td>
      <td class="num">{{ row.rounding }}</td><td class="num">{{ row.warnings }}</td><td class="num">{{ row.errors }}</td><td class="num">{{ row.not_checkable }}</td>
      <td class="{{ 'verdict-bad' if row.errors else 'verdict-ok' }}">{{ row.verdict }}</td></tr>
    {% endfor %}
    </tbody>
  </table>

  <h3 id="errors">错误（需更正）：{{ identities.errors | length }} 处</h3>
  <table id="findings">
    <thead><tr><th>报告</th><th>内容</th><th>位置</th><th>编号</th></tr></thead>
    <tbody>
    {% for f in identities.errors %}
      <tr class="finding severity-row-error"><td>{{ f.report }}</td>
      <td class="sentence">{{ f.sentence }}<br><span class="small">规则 {{ f.rule }}</span></td>
      <td>{{ f.where }}</td><td>{% if f.link %}<a href="{{ f.link }}">{{ f.ref }}</a>{% else %}{{ f.ref }}{% endif %}</td></tr>
    {% else %}
      <tr><td colspan="4" class="verdict-ok" id="no-errors">0 处错误。</td></tr>
    {% endfor %}
    </tbody>
  </table>

  <h3 id="unread">juesuan 未能读取的内容（不是单位的错误）：{{ identities.unread_tables | length + identities.unresolved_codes | length }} 项</h3>
  {% if identities.unread_tables or identities.unresolved_codes %}
  <table>
    <thead><tr><th>报告</th><th>内容</th><th>位置</th><th>原因</th></tr></thead>
    <tbody>
    {% for t in identities.unread_tables %}<tr class="unread"><td>{{ t.report }}</td><td>{{ t.table_name }}（未能可靠读取，涉及的核对未做）</td><td>{{ t.where }}</td><td>{{ t.reason }}</td></tr>{% endfor %}
    {% for c in identities.unresolved_codes %}<tr class="unread"><td>{{ c.report }}</td><td>{{ c.table_name }} 科目「{{ c.raw_code or "" }} {{ c.raw_name or "" }}」无法识别</td><td>{% if c.page %}第{{ c.page }}页{% endif %}</td><td>{{ c.reason }}</td></tr>{% endfor %}
    </tbody>
  </table>
  {% else %}<p class="note">无。</p>{% endif %}

  <h3 id="warnings">提示（请确认）：{{ identities.warnings | length }} 处</h3>
  {% if identities.warnings %}
  <table>
    <thead><tr><th>报告</th><th>内容</th><th>位置</th><th>编号</th></tr></thead>
    <tbody>
    {% for f in identities.warnings %}
      <tr class="finding severity-row-warning"><td>{{ f.report }}</td>
      <td class="sentence">{{ f.sentence }}{% if f.note %}<br><span class="small">说明：{{ f.note }}</span>{% endif %}<br><span class="small">规则 {{ f.rule }}</span></td>
      <td>{{ f.where }}</td><td>{% if f.link %}<a href="{{ f.link }}">{{ f.ref }}</a>{% else %}{{ f.ref }}{% endif %}</td></tr>
    {% endfor %}
    </tbody>
  </table>
  {% else %}<p class="note">无。</p>{% endif %}

  <details id="rounding"><summary>尾差（四舍五入，无需处理）：{{ identities.rounding | length }} 处 — 展开查看</summary>
  <table><tbody>
  {% for f in identities.rounding %}<tr class="rounding"><td>{{ f.report }}</td><td>{{ f.sentence }}</td><td>{{ f.where }}</td><td>{% if f.link %}<a href="{{ f.link }}">{{ f.ref }}</a>{% else %}{{ f.ref }}{% endif %}</td></tr>{% endfor %}
  </tbody></table></details>

  {% if identities.waived %}
  <details id="waived"><summary>已确认的问题（豁免中）：{{ identities.waived | length }} 处</summary>
  <table><tbody>
  {% for f in identities.waived %}<tr><td>{{ f.report }}</td><td>{{ f.sentence }}<br><span class="small">{{ f.waived }}</span></td><td>{% if f.link %}<a href="{{ f.link }}">{{ f.ref }}</a>{% else %}{{ f.ref }}{% endif %}</td></tr>{% endfor %}
  </tbody></table></details>
  {% endif %}

  {% if identities.not_checkable %}
  <details><summary>无法核对：{{ identities.not_checkable | length }} 项（表格未公开、情况说明未写明，或 juesuan 未能可靠读取）</summary>
  <table><tbody>
  {% for f in identities.not_checkable %}<tr><td>{{ f.report }}</td><td>{{ f.rule }}</td><td>{{ f.message }}</td></tr>{% endfor %}
  </tbody></table></details>
  {% endif %}
  {% else %}
  <p class="note">数据仓库中还没有核对结果：运行 <code>juesuan validate</code> 核对勾稽关系。（No validation run is in this warehouse.）</p>
  {% endif %}
</section>

<section id="coverage">
  <h2>覆盖的单位和年度</h2>
  <table>
    <thead><tr><th>单位</th><th>名称</th><th>年度</th><th>文件</th><th>数字来源</th><th class="num">表格数据</th><th class="num">情况说明数据</th><th>勾稽</th><th class="num">已核对</th></tr></thead>
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
  <h2>主要数字和比率（万元）</h2>
  <table>
    <thead><tr>{% for column in headline.columns %}<th{% if column in headline.numeric %} class="num"{% endif %}>{{ column }}</th>{% endfor %}</tr></thead>
    <tbody>
    {% for row in headline.rows %}<tr>{% for cell in row %}<td{% if headline.columns[loop.index0] in headline.numeric %} class="num"{% endif %}>{{ cell }}</td>{% endfor %}</tr>{% endfor %}
    </tbody>
  </table>
  {% if growth.rows %}
  <h3>与上年相比</h3>
  <table>
    <thead><tr>{% for column in growth.columns %}<th{% if column in growth.numeric %} class="num"{% endif %}>{{ column }}</th>{% endfor %}</tr></thead>
    <tbody>
    {% for row in growth.rows %}<tr>{% for cell in row %}<td{% if growth.columns[loop.index0] in growth.numeric %} class="num"{% endif %}>{{ cell }}</td>{% endfor %}</tr>{% endfor %}
    </tbody>
  </table>
  {% endif %}
</section>

<section id="charts">
  <h2>比较图表</h2>
  {% for chart in charts %}
  <figure class="chart" data-kind="{{ chart.kind }}">
    {% if chart.data_uri %}<img src="{{ chart.data_uri }}" alt="{{ chart.title }}">{% else %}<p class="note">{{ chart.title }}：未能绘制（not drawn）— {{ chart.error }}</p>{% endif %}
    <figcaption>{{ chart.title }}</figcaption>
  </figure>
  {% endfor %}
</section>

<footer class="meta"><p>金额单位：万元。有表格时以表格数字为准，未公开表格的以情况说明中的数字补充。由 juesuan {{ version }} 生成；本页不需要网络。</p></footer>
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
