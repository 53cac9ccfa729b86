"""A self-contained HTML report: images (relative links), tables of metrics with their protocol."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

STYLE = """body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
img{image-rendering:pixelated;max-width:100%;border:1px solid #ccc}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
pre{background:#f6f6f6;padding:8px;overflow-x:auto;font-size:0.85em}"""


@dataclass
class Section:
    title: str
    text: str = ""
    images: list[tuple[str, str]] = field(default_factory=list)   # (caption, path relative to the report)
    rows: list[dict] = field(default_factory=list)                # table rows
    code: dict | None = None                                      # shown as JSON


def _table(rows: list[dict]) -> str:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_format(row.get(c, '')))}</td>" for c in columns) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def write_report(path: Path, title: str, sections: list[Section]) -> Path:
    """Write an HTML page to `path` (atomically) and return it."""
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"]
    for section in sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        if section.text:
            parts.append(f"<p>{html.escape(section.text)}</p>")
        for caption, image in section.images:
            parts.append(f"<figure><img src='{html.escape(image)}' alt='{html.escape(caption)}'>"
                         f"<figcaption>{html.escape(caption)}</figcaption></figure>")
        if section.rows:
            parts.append(_table(section.rows))
        if section.code is not None:
            parts.append(f"<pre>{html.escape(json.dumps(section.code, indent=2))}</pre>")
    parts.append("</body></html>\n")
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(parts))
    tmp.replace(path)
    return path
