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


# Layout of the sequence diagram, in CSS pixels: the SVG is shown at its natural size (never scaled
# down), so these are the sizes a person reads. 780 px fits the page's content column at 1280 px.
WIDTH = 780
GUTTER = 58            # the time column on the left
FONT = 13              # message labels
LINE_H = 17            # one line of a label
CHAR_W = 7.4           # a generous average advance of 13 px Helvetica, so estimates never overflow
HEAD_H = 40
FONT_STACK = "Helvetica, Arial, sans-serif"


def wrap_label(text: str, max_chars: int) -> list[str]:
    """Break a label into lines of at most ``max_chars`` at spaces. A single word longer than that
    (an id) gets a line of its own and is never cut: ids must stay whole to be recognisable."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= max_chars or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines.append(current)
    return lines


def render_svg(messages: list[Message], width: int = WIDTH) -> str:
    """The sequence diagram as an SVG string (only the last MAX_ROWS messages).

    One row per message: the label sits on its own line(s) *above* the arrow, so no arrow ever
    crosses text. A label may extend over other lanes (its row holds nothing else); it starts at
    the arrow's left end, moves left when it would pass the right edge, and wraps at spaces when
    it is wider than the diagram. Labels carry a white halo so dashed lifelines don't strike them.
    """
    shown = messages[-MAX_ROWS:]
    skipped = len(messages) - len(shown)
    top = 8
    lane_w = (width - GUTTER - 4) / len(LANES)
    x = {lane: GUTTER + lane_w * (i + 0.5) for i, lane in enumerate(LANES)}
    max_chars = int((width - GUTTER - 16) / CHAR_W)
    rows = [wrap_label(m.label, max_chars) for m in shown]
    row_heights = [10 + LINE_H * len(lines) + 14 for lines in rows]
    body_top = top + HEAD_H + 30
    height = int(body_top + (sum(row_heights) if shown else 40) + 30)
    e = html.escape
    halo = 'stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke"'
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'font-family="{FONT_STACK}" role="img" aria-label="Sequence diagram of this payment">',
           '<defs>' + "".join(
               f'<marker id="arrow-{k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
               f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{c}"/></marker>'
               for k, c in KIND_COLORS.items()) + '</defs>']
    # PCI zone: the card iframe (inside the browser lane) and the processor lane.
    zone_left = x[BROWSER] - lane_w * 0.5 + 4
    boundary = x[PROCESSOR] + lane_w / 2
    out.append(f'<rect x="{zone_left:.1f}" y="{top + HEAD_H + 4}" width="{boundary - zone_left:.1f}" '
               f'height="{height - top - HEAD_H - 4}" fill="#fff1f2"/>')
    out.append(f'<text x="{(zone_left + boundary) / 2:.1f}" y="{height - 9}" text-anchor="middle" font-size="12" '
               'fill="#be123c">PCI zone: card data only here</text>')
    out.append(f'<line x1="{boundary:.1f}" y1="{top + HEAD_H + 4}" x2="{boundary:.1f}" y2="{height}" stroke="#df1b41" '
               'stroke-width="1.6" stroke-dasharray="6 4"/>')
    out.append(f'<text x="{boundary + 6:.1f}" y="{body_top - 10}" font-size="12" fill="#df1b41" {halo}>'
               'PCI boundary: no card data beyond this line</text>')
    for lane in LANES:
        cx = x[lane]
        out.append(f'<line x1="{cx:.1f}" y1="{top + HEAD_H}" x2="{cx:.1f}" y2="{height - 24}" stroke="#c1c9d2" '
                   'stroke-dasharray="3 3"/>')
        fill = "#0a2540" if lane in (SERVER, DATABASE) else "#635bff"
        out.append(f'<rect x="{cx - lane_w * 0.47:.1f}" y="{top}" width="{lane_w * 0.94:.1f}" height="{HEAD_H}" rx="8" '
                   f'fill="{fill}"/><text x="{cx:.1f}" y="{top + HEAD_H / 2 + 5}" text-anchor="middle" font-size="14" '
                   f'font-weight="bold" fill="#fff">{e(LANE_LABELS[lane])}</text>')
    if not shown:
        out.append(f'<text x="{(GUTTER + width) / 2:.1f}" y="{body_top + 16}" text-anchor="middle" font-size="13" '
                   f'fill="#6b7280" {halo}>The messages of this payment appear here as they happen.</text>')
    t0 = shown[0].t if shown else 0.0
    y = body_top
    for m, lines, row_h in zip(shown, rows, row_heights):
        color = KIND_COLORS.get(m.kind, "#635bff")
        marker = m.kind if m.kind in KIND_COLORS else "api"
        dash = ' stroke-dasharray="5 3"' if m.kind in ("error", "redirect") else ""
        weight = "bold" if m.kind == "card" else "normal"
        label_w = max(len(line) for line in lines) * CHAR_W
        if m.src == m.dst:
            anchor = x[m.src] - lane_w * 0.45
        else:
            anchor = min(x[m.src], x[m.dst]) + 6
        label_x = max(GUTTER + 4, min(anchor, width - 8 - label_w))
        arrow_y = y + 10 + LINE_H * len(lines) + 4
        out.append(f'<text x="4" y="{y + 10 + LINE_H - 4}" font-size="12" fill="#6b7280">+{m.t - t0:0.1f}s</text>')
        text = "".join(f'<tspan x="{label_x:.1f}" dy="{0 if i == 0 else LINE_H}">{e(line)}</tspan>'
                       for i, line in enumerate(lines))
        out.append(f'<text y="{y + 10 + LINE_H - 4}" font-size="{FONT}" fill="{color}" font-weight="{weight}" '
                   f'{halo}>{text}</text>')
        if m.src == m.dst:  # a step inside one lane: a short self-arrow under the label
            x0 = x[m.src] - 14
            out.append(f'<path d="M{x0:.1f},{arrow_y - 4} h28 v8 h-26" fill="none" stroke="{color}" stroke-width="1.6"'
                       f'{dash} marker-end="url(#arrow-{marker})"/>')
        else:
            out.append(f'<line x1="{x[m.src]:.1f}" y1="{arrow_y}" x2="{x[m.dst]:.1f}" y2="{arrow_y}" stroke="{color}" '
                       f'stroke-width="1.8"{dash} marker-end="url(#arrow-{marker})"/>')
        y += row_h
    if skipped:
        out.append(f'<text x="4" y="{body_top - 10}" font-size="12" fill="#6b7280" {halo}>'
                   f'({skipped} earlier not shown)</text>')
    out.append("</svg>")
    return "".join(out)
