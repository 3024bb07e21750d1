"""The live flow diagram: the messages of THIS run between four lanes, drawn as an SVG sequence diagram.

Lanes: Customer browser · Processor · Your server · Your database. The PCI zone (the card form's
iframe and the processor) is shaded, and the boundary no card data may cross is a red dashed line
between the processor and your server. Messages that carry card data are red; everything that
reaches your server carries ids only.
"""

from __future__ import annotations

import html
import time
from dataclasses import asdict, dataclass, field
from typing import Any

BROWSER, PROCESSOR, SERVER, DATABASE = "browser", "processor", "server", "database"
LANES = (BROWSER, PROCESSOR, SERVER, DATABASE)
LANE_LABELS = {BROWSER: "Customer browser", PROCESSOR: "Processor", SERVER: "Your server",
               DATABASE: "Your database"}
KIND_COLORS = {"card": "#df1b41", "id": "#635bff", "api": "#635bff", "webhook": "#0e8a5f", "db": "#6b7280",
               "redirect": "#c2410c", "error": "#df1b41", "note": "#525f7f"}
MAX_ROWS = 26


@dataclass
class Message:
    src: str
    dst: str
    label: str
    kind: str = "api"            # card | id | api | webhook | db | redirect | error | note
    t: float = field(default_factory=time.time)
    detail: str = ""

    def __post_init__(self) -> None:
        if self.src not in LANES or self.dst not in LANES:
            raise ValueError(f"unknown lane in {self.src}->{self.dst}")

    @property
    def carries_card_data(self) -> bool:
        return self.kind == "card"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_pci(messages: list[Message]) -> list[Message]:
    """Messages that would break PCI scope: card data going anywhere but browser → processor."""
    return [m for m in messages if m.carries_card_data and not (m.src == BROWSER and m.dst == PROCESSOR)]


def from_dicts(rows: list[dict[str, Any]]) -> list[Message]:
    return [Message(**r) for r in rows]


def merge(*groups: list[Message]) -> list[Message]:
    """All messages, oldest first (a stable sort keeps same-instant messages in insertion order)."""
    out = [m for group in groups for m in group]
    return sorted(out, key=lambda m: m.t)


def render_svg(messages: list[Message], width: int = 540) -> str:
    """The sequence diagram as an SVG string (only the last MAX_ROWS messages).

    Each message has its own row, so its label starts at the arrow's left end and may run past
    the arrow to the right edge: long labels stay readable in a narrow column.
    """
    shown = messages[-MAX_ROWS:]
    skipped = len(messages) - len(shown)
    left, top, row_h, head_h, char_w = 40, 8, 31, 36, 6.6
    lane_w = (width - left - 4) / len(LANES)
    x = {lane: left + lane_w * (i + 0.5) for i, lane in enumerate(LANES)}
    body_top = top + head_h + 26
    height = int(body_top + max(1, len(shown)) * row_h + 24)
    e = html.escape
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'font-family="Helvetica, Arial, sans-serif">',
           '<defs>' + "".join(
               f'<marker id="arrow-{k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
               f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{c}"/></marker>'
               for k, c in KIND_COLORS.items()) + '</defs>']
    # PCI zone: the card iframe (inside the browser lane) and the processor lane.
    zone_left = x[BROWSER] - lane_w * 0.2
    boundary = x[PROCESSOR] + lane_w / 2
    out.append(f'<rect x="{zone_left:.1f}" y="{top - 4}" width="{boundary - zone_left:.1f}" height="{height - top + 4}" '
               'fill="#fff1f2"/>')
    out.append(f'<text x="{(zone_left + boundary) / 2:.1f}" y="{height - 7}" text-anchor="middle" font-size="10.5" '
               'fill="#be123c">PCI zone: card data only here</text>')
    out.append(f'<line x1="{boundary:.1f}" y1="{top - 4}" x2="{boundary:.1f}" y2="{height}" stroke="#df1b41" '
               'stroke-width="1.6" stroke-dasharray="6 4"/>')
    out.append(f'<text x="{boundary + 4:.1f}" y="{body_top - 8}" font-size="10.5" fill="#df1b41">PCI boundary: no card '
               'data beyond this line</text>')
    for lane in LANES:
        cx = x[lane]
        out.append(f'<line x1="{cx:.1f}" y1="{top + head_h}" x2="{cx:.1f}" y2="{height - 18}" stroke="#c1c9d2" '
                   'stroke-dasharray="3 3"/>')
        fill = "#0a2540" if lane in (SERVER, DATABASE) else "#635bff"
        out.append(f'<rect x="{cx - lane_w * 0.47:.1f}" y="{top}" width="{lane_w * 0.94:.1f}" height="{head_h}" rx="7" '
                   f'fill="{fill}"/><text x="{cx:.1f}" y="{top + head_h / 2 + 4.5}" text-anchor="middle" font-size="11.5" '
                   f'font-weight="bold" fill="#fff">{e(LANE_LABELS[lane])}</text>')
    if not shown:
        out.append(f'<text x="{width / 2:.1f}" y="{body_top + 12}" text-anchor="middle" font-size="12" fill="#8792a2">'
                   'The messages of this payment appear here as they happen.</text>')
    t0 = shown[0].t if shown else 0.0
    for i, m in enumerate(shown):
        y = body_top + i * row_h + 12
        color = KIND_COLORS.get(m.kind, "#635bff")
        marker = m.kind if m.kind in KIND_COLORS else "api"
        dash = ' stroke-dasharray="5 3"' if m.kind in ("error", "redirect") else ""
        out.append(f'<text x="2" y="{y + 9}" font-size="9.5" fill="#8792a2">+{m.t - t0:0.1f}s</text>')
        if m.src == m.dst:
            x0 = x[m.src] - lane_w * 0.45
            text = _clip(m.label, int((width - x0 - 10) / char_w))
            out.append(f'<rect x="{x0:.1f}" y="{y - 4}" width="{len(text) * char_w + 12:.1f}" height="18" rx="4" '
                       f'fill="#ffffff" stroke="{color}" stroke-dasharray="4 2"/><text x="{x0 + 6:.1f}" y="{y + 9}" '
                       f'font-size="12" fill="{color}">{e(text)}</text>')
            continue
        x1, x2 = x[m.src], x[m.dst]
        start = min(x1, x2) + 5
        out.append(f'<line x1="{x1:.1f}" y1="{y + 11}" x2="{x2:.1f}" y2="{y + 11}" stroke="{color}" stroke-width="1.8"'
                   f'{dash} marker-end="url(#arrow-{marker})"/>')
        out.append(f'<text x="{start:.1f}" y="{y + 6}" font-size="12" fill="{color}" '
                   f'font-weight="{"bold" if m.kind == "card" else "normal"}">'
                   f'{e(_clip(m.label, int((width - start - 4) / char_w)))}</text>')
    if skipped:
        out.append(f'<text x="{width - 4}" y="{body_top - 8}" text-anchor="end" font-size="10" fill="#8792a2">'
                   f'({skipped} earlier not shown)</text>')
    out.append("</svg>")
    return "".join(out)


def _clip(text: str, limit: int) -> str:
    limit = max(12, limit)
    return text if len(text) <= limit else text[: limit - 1] + "…"
