# ruff: noqa: E501  (HTML lines are as long as their markup)
"""The offline validation page's templates (Jinja2, autoescaped; :mod:`juesuan.report.validation_page`).

No script, and nothing loaded from anywhere: the page reads the same from ``file://`` without a network.
Every finding row carries its anchor ``id="f-<ref>"``; ``:target`` highlights the one a link points at.
"""

PAGE_HTML = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ view.title }}</title>
<style>
  body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", sans-serif; margin: 1.5rem auto; max-width: 1200px; padding: 0 1rem; color: #1d1d1f; line-height: 1.55; }
  h1 { font-size: 1.5rem; margin-bottom: .2rem; }
  h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 2px solid #ccc; }
  h3 { font-size: 1.02rem; margin: 1rem 0 .3rem; }
  table { border-collapse: collapse; width: 100%; margin: .3rem 0 .8rem; font-size: .88rem; }
  th, td { border: 1px solid #ddd; padding: .25rem .45rem; text-align: left; vertical-align: top; }
  th { background: #f3f3f3; }
  td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
  tr:target { background: #fff3bf; outline: 2px solid #f1c40f; }
  .meta { color: #666; font-size: .85rem; }
  .error { color: #c0392b; font-weight: bold; }
  .warning { color: #b9770e; }
  .rounding { color: #555; }
  .ok { color: #1e8449; font-weight: bold; }
  .unchecked { color: #8e44ad; font-weight: bold; }
  .waived { color: #555; font-style: italic; }
  code { font-size: .8rem; color: #555; word-break: break-all; }
</style>
</head>
<body>
<h1>{{ view.title }}</h1>
<p class="meta">生成时间：{{ view.generated }} · 金额单位：万元（保留两位小数，报告原文更精确时照录） · 每项核对一个锚点 <code>#f-编号</code></p>
<p id="total" class="{{ 'error' if view.total_errors else 'ok' }}">共 {{ view.reports | length }} 份报告，{{ view.total_errors }} 处错误{% if not view.total_errors %}（没有需要更正的错误）{% endif %}。</p>

<table id="reports">
  <thead><tr><th>报告</th><th class="num">核对</th><th class="num">通过</th><th class="num">尾差</th><th class="num">提示</th><th class="num">错误</th><th class="num">无法核对</th><th>结论</th></tr></thead>
  <tbody>
  {% for report in view.reports %}
    <tr><td><a href="#{{ report.anchor }}">{{ report.title }}</a></td>
    {% if report.counts %}<td class="num">{{ report.counts.checks }}</td><td class="num">{{ report.counts.passed }}</td><td class="num">{{ report.counts.rounding }}</td><td class="num">{{ report.counts.warnings }}</td><td class="num">{{ report.counts.errors }}</td><td class="num">{{ report.counts.not_checkable }}</td>
    {% else %}<td class="num" colspan="6">—</td>{% endif %}
    <td class="{{ report.verdict_class }}">{{ report.verdict }}</td></tr>
  {% else %}
    <tr><td colspan="8">还没有核对结果。</td></tr>
  {% endfor %}
  </tbody>
</table>

{% for report in view.reports %}
<section id="{{ report.anchor }}" class="report">
<h2>{{ report.title }} <span class="meta">{{ report.unit_id }}{% if report.document %} · 文件 {{ report.document }}{% endif %}</span></h2>
<p class="{{ report.verdict_class }} verdict">{{ report.verdict }}</p>

{% if report.counts %}
<h3>{{ view.section_titles['error'] }}：{{ report.groups['error'] | length }} 处</h3>
{% if report.groups['error'] %}{% with rows = report.groups['error'] %}{% include 'rows' %}{% endwith %}{% else %}<p class="ok">无。</p>{% endif %}
{% endif %}

{% if report.unread %}
<h3>{{ view.section_titles['unread'] }}：{{ report.unread | length }} 项</h3>
<p class="meta">{{ view.unread_explanation }}</p>
<table class="unread"><thead><tr><th>内容</th><th>问题</th><th>原因</th><th>建议</th></tr></thead><tbody>
{% for row in report.unread %}<tr><td>{{ row.what }}</td><td>{{ row.problem }}</td><td>{{ row.reason }}</td><td>{{ row.action }}</td></tr>{% endfor %}
</tbody></table>
{% endif %}

{% if report.groups['warning'] %}
<h3>{{ view.section_titles['warning'] }}：{{ report.groups['warning'] | length }} 处</h3>
{% with rows = report.groups['warning'] %}{% include 'rows' %}{% endwith %}
{% endif %}

{% if report.groups['rounding'] %}
<h3>{{ view.section_titles['rounding'] }}：{{ report.groups['rounding'] | length }} 处</h3>
{% with rows = report.groups['rounding'] %}{% include 'rows' %}{% endwith %}
{% endif %}

{% if report.repairs %}
<h3>juesuan 自动更正的科目代码：{{ report.repairs | length }} 个</h3>
<p class="meta">报告中印错的科目代码，juesuan 已按科目名称更正；数字不受影响，请在以后的报告中更正。</p>
<table class="repairs"><thead><tr><th>表格</th><th>报告所印</th><th>更正为</th><th>依据</th></tr></thead><tbody>
{% for r in report.repairs %}<tr><td>{{ r.table }}</td><td>{{ r.printed }}</td><td>{{ r.code }}</td><td>{{ r.reason }}</td></tr>{% endfor %}
</tbody></table>
{% endif %}

{% if report.groups['not_checkable'] %}
<h3>{{ view.not_checkable_title }}：{{ report.groups['not_checkable'] | length }} 项</h3>
{% with rows = report.groups['not_checkable'] %}{% include 'rows' %}{% endwith %}
{% endif %}
</section>
{% endfor %}
<p class="meta">由 juesuan 根据 identity_findings 生成；本页不需要网络。</p>
</body>
</html>
"""

ROWS_HTML = """<table class="findings"><thead><tr><th>编号</th><th>类别</th><th>内容</th><th class="num">左侧</th><th class="num">右侧</th><th class="num">差额</th><th class="num">允许尾差</th><th>位置</th></tr></thead><tbody>
{% for row in rows %}<tr id="{{ row.anchor }}" class="finding {{ row.severity }}"><td><a href="#{{ row.anchor }}">{{ row.ref }}</a></td><td class="{{ row.severity }}">{{ row.severity_label }}</td>
<td>{{ row.sentence }}{% if row.note %}<br><span class="meta">说明：{{ row.note }}</span>{% endif %}{% if row.waived %}<br><span class="waived">{{ row.waived }}</span>{% endif %}<br><span class="meta">左侧：{{ row.left_expression }}；右侧：{{ row.right_expression }}</span><br><span class="meta">规则 {{ row.rule }}</span> <code>{{ row.check_id }}</code></td>
<td class="num">{{ row.left }}</td><td class="num">{{ row.right }}</td><td class="num">{{ row.difference }}</td><td class="num">{{ row.tolerance }}</td><td>{{ row.where }}</td></tr>
{% endfor %}</tbody></table>
"""
