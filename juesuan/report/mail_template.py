# ruff: noqa: E501  (HTML lines are as long as their markup)
"""The HTML part of the stewards' mail (Jinja2, rendered with autoescape: every value is escaped).

The markup is built from the message's structure (:func:`juesuan.stewards_mail.build_message`): no
value is ever inserted as HTML, so a unit name or a reason holding ``<br><svg/onload=…>`` shows as text.
Styles are inline (mail clients drop ``<style>`` blocks), nothing is loaded from anywhere, and the summary
line comes first so it is on the first screen.
"""

from __future__ import annotations

#: Left border colour of each section's items (constants, never data).
SECTION_COLOURS = {
    "error": "#c0392b",
    "unread": "#8e44ad",
    "warning": "#d68910",
    "rounding": "#7f8c8d",
}

MAIL_HTML = """<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ view.subject }}</title></head>
<body style="margin:0;padding:16px;background:#ffffff;color:#1d1d1f;font-family:'Noto Sans CJK SC','Microsoft YaHei','PingFang SC','WenQuanYi Micro Hei',sans-serif;font-size:15px;line-height:1.6">
<div style="max-width:820px">
<p id="summary" style="margin:0 0 8px;font-size:20px;font-weight:bold">{{ view.first_line }}</p>
{% if view.report_lines %}<ul style="margin:0 0 8px;padding-left:20px">{% for line in view.report_lines %}<li>{{ line }}</li>{% endfor %}</ul>{% endif %}
{% if view.overview %}<p style="margin:0 0 12px;color:#444">{{ view.overview }}</p>{% endif %}
{% for section in view.sections %}
<h2 id="section-{{ section.key }}" style="margin:18px 0 6px;font-size:17px;border-bottom:2px solid {{ colours[section.key] }}">{{ section.number }}、{{ section.title }}（{{ section.count }}）</h2>
{% if section.explanation %}<p style="margin:0 0 6px;font-size:13px;color:#555">{{ section.explanation }}</p>{% endif %}
{% for item in section["items"] %}
<div{% if item.anchor %} id="{{ item.anchor }}"{% endif %} class="item" style="margin:8px 0;padding:4px 10px;border-left:4px solid {{ colours[section.key] }}">
<p style="margin:0"><span style="display:inline-block;padding:0 6px;margin-right:6px;font-size:12px;border-radius:3px;{% if item.is_new %}background:{{ colours[section.key] }};color:#fff{% else %}background:#eee;color:#333{% endif %}">{{ item.status }}</span><b>{{ item.report }}</b>：{{ item.headline }}</p>
{% for label, text in item.details %}<p style="margin:2px 0;font-size:13px;color:#555">{{ label }}：{{ text }}</p>{% endfor %}
{% if item.links %}<p style="margin:2px 0;font-size:13px">{% for label, href in item.links %}<a href="{{ href }}">{{ label }}</a>{% if not loop.last %} · {% endif %}{% endfor %}</p>{% endif %}
</div>
{% endfor %}
{% for line in section.lines %}<p style="margin:4px 0">{{ line }}</p>{% endfor %}
{% if not section["items"] and not section.lines %}<p style="margin:4px 0;color:#555">{{ section.empty }}</p>{% endif %}
{% endfor %}
{% if view.waived_lines %}
<h2 style="margin:18px 0 6px;font-size:17px;border-bottom:2px solid #bbb">{{ view.waived_title }}（{{ view.waived_count }}）</h2>
{% for line in view.waived_lines %}<p style="margin:4px 0;font-size:13px;color:#555">{{ line }}</p>{% endfor %}
{% elif view.waived_count %}
<p style="margin:12px 0 4px;font-size:13px;color:#555">另有 {{ view.waived_count }} 处已确认的问题仍在豁免中（每月列出一次）。</p>
{% endif %}
{% if view.resolved %}<p style="margin:8px 0;font-size:13px;color:#555">自上次通知以来已解决 {{ view.resolved }} 项。</p>{% endif %}
{% if view.counts %}
<h2 style="margin:18px 0 6px;font-size:15px;border-bottom:1px solid #ccc">核对概况</h2>
<ul style="margin:0;padding-left:20px;font-size:13px;color:#444">{% for line in view.counts %}<li>{{ line }}</li>{% endfor %}</ul>
{% endif %}
<p style="margin:14px 0 4px;font-size:13px">核对明细（每项一个锚点，按编号查找）：{% if view.page_url %}<a href="{{ view.page_url }}">{{ view.page_url }}</a>{% else %}见附件 {{ view.page_attachment }}{% endif %}</p>
<p style="margin:14px 0 0;font-size:12px;color:#777">{{ view.footer }}<br>生成时间：{{ view.generated }}</p>
</div>
</body>
</html>
"""
