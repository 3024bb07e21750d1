"""Readability checks for any page state in the browser: no clipped text, no table wider than its
box or cell wider than its column, no "None" shown in a table. One module for every e2e test.

:func:`assert_readable` fails the test with every offender it finds:

(a) **Clipped text** — an element whose *own* text (a non-empty text node that is its direct child)
    is wider than its box while the box hides what overflows: computed ``overflow-x`` ``hidden`` or
    ``clip``, or ``text-overflow: ellipsis`` (``scrollWidth > clientWidth + 1``). The box is the
    element itself or a wrapper up to two levels up that holds nothing else. A text field (a
    selectbox shows its choice in one) whose value is wider than the field counts too. The main
    document and every same-origin iframe are searched. Invisible elements are skipped, and so are
    Streamlit's own off-screen / accessibility nodes (the data grid's hidden ``<table>``, visually
    hidden labels), which a person never sees.
(b) **A table wider than its box** — an ``st.dataframe`` whose grid scrolls sideways
    (``.dvn-scroller``, the grid's scroll area, is wider inside than out): its last columns are
    hidden until someone scrolls.
(c) **A cell or header wider than its column** — st.dataframe draws on a canvas, so each cell is
    read from the grid's own props and measured in the grid's font (``grid_problems``).
(d) **"None" in a table** — a cell of an ``st.dataframe`` or ``st.table`` that reads ``None``,
    ``nan`` or ``NaT`` (the grid's accessible ``<table>``, and the canvas cells as drawn).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

EMPTY_WORDS = ("None", "nan", "NaT")

_FIND_CLIPPED = """() => {
  const offenders = [];
  const cssPath = (el) => {
    const parts = [];
    for (let node = el; node && node.nodeType === 1 && node.tagName !== 'BODY'; node = node.parentElement) {
      let part = node.tagName.toLowerCase();
      const testid = node.getAttribute('data-testid');
      const key = [...node.classList].find(c => c.startsWith('st-key-'));
      if (testid) part += `[data-testid="${testid}"]`;
      if (key) part += '.' + key;
      if (!testid && !key && node.parentElement) {
        const same = [...node.parentElement.children].filter(c => c.tagName === node.tagName);
        if (same.length > 1) part += `:nth-of-type(${same.indexOf(node) + 1})`;
      }
      parts.unshift(part);
      if (testid && parts.length > 4) break;
    }
    return parts.join(' > ');
  };
  // Nodes a person cannot see: hidden, zero-sized, visually-hidden (clip / 1px boxes), aria-hidden,
  // or Streamlit's grid accessibility layer (the canvas shows those cells).
  const unseen = (el, win) => {
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const cs = win.getComputedStyle(node);
      if (cs.display === 'none' || cs.visibility === 'hidden' || cs.opacity === '0') return true;
      if (node.getAttribute('aria-hidden') === 'true') return true;
      if (cs.clip && cs.clip !== 'auto') return true;
      if (cs.clipPath && cs.clipPath.startsWith('inset(50%')) return true;
      const r = node.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1) return true;
      if (r.right < 0 || r.left < -1000) return true;
      if (node.getAttribute('data-testid') === 'stDataFrame' && el.closest('table')) return true;
    }
    return false;
  };
  const docs = [[document, 'page']];
  for (const frame of document.querySelectorAll('iframe')) {
    try { if (frame.contentDocument && frame.contentDocument.body) docs.push([frame.contentDocument, 'iframe ' + (frame.title || frame.src)]); }
    catch (e) { /* cross-origin: not ours to inspect */ }
  }
  for (const [doc, where] of docs) {
    const win = doc.defaultView;
    const hides = (node) => {
      const cs = win.getComputedStyle(node);
      return cs.overflowX === 'hidden' || cs.overflowX === 'clip' || cs.textOverflow === 'ellipsis';
    };
    const overflows = (node) => node.scrollWidth > node.clientWidth + 1;
    for (const el of doc.body.querySelectorAll('*')) {
      const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
      if (!own) continue;
      // The text's own box, or a wrapper that holds nothing but it (a label's <p> in a clipping <div>).
      let box = null;
      for (let node = el, depth = 0; node && depth < 3; node = node.parentElement, depth++) {
        if (node !== el && (node.children.length !== 1 || [...node.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))) break;
        if (hides(node) && overflows(node)) { box = node; break; }
      }
      if (!box || unseen(el, win)) continue;
      offenders.push({where, text: own.slice(0, 80), path: cssPath(box),
                      overflow: `${box.scrollWidth}px in ${box.clientWidth}px`});
    }
  }
  // a text field (a selectbox shows its choice in one) cuts its value without any overflow style
  for (const input of document.querySelectorAll('[data-testid="stApp"] input')) {
    if (!['text', 'search', 'number', 'email', 'url', 'tel', ''].includes(input.type) || !input.value) continue;
    const r = input.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) continue;
    if (input.scrollWidth > input.clientWidth + 1) {
      offenders.push({where: 'page', text: input.value.slice(0, 80), path: cssPath(input),
                      overflow: `${input.scrollWidth}px in ${input.clientWidth}px`});
    }
  }
  return offenders;
}"""

_FIND_EMPTY_WORDS = """(words) => {
  const found = [];
  document.querySelectorAll('[data-testid="stDataFrame"], [data-testid="stTable"]').forEach((table, index) => {
    const key = [...(table.closest('[class*="st-key-"]')?.classList || [])].find(c => c.startsWith('st-key-')) || '';
    table.querySelectorAll('td, [role="gridcell"]').forEach(cell => {
      const text = (cell.innerText || cell.textContent || '').trim();
      if (words.includes(text)) found.push({table: `${table.getAttribute('data-testid')} #${index} ${key}`, text});
    });
  });
  return found;
}"""


_FIND_WIDE_TABLES = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].flatMap((table, index) => {
  const scroller = table.querySelector('.dvn-scroller');
  if (!scroller || scroller.scrollWidth <= scroller.clientWidth + 1) return [];
  const key = [...(table.closest('[class*="st-key-"]')?.classList || [])].find(c => c.startsWith('st-key-')) || '';
  return [{table: `stDataFrame #${index} ${key}`, overflow: `${scroller.scrollWidth}px in ${scroller.clientWidth}px`}];
})"""


# st.dataframe draws its cells on a canvas, so the DOM does not hold what a person sees. The grid's
# own props do: read each cell as the grid draws it (a missing value is drawn as the element's
# ``placeholder``, "None" by default) and measure its text against the column's width in the grid's
# font, as the grid lays it out (8 px padding on the left, at least 4 px kept on the right; a
# badge adds its bubble padding).
_READ_GRID = """grid => {
  const canvas = grid.querySelector('canvas[data-testid="data-grid-canvas"]');
  if (!canvas) return null;
  const fiberKey = Object.keys(canvas).find(k => k.startsWith('__reactFiber$'));
  let fiber = canvas[fiberKey], props = null, placeholder;
  for (let depth = 0; fiber && depth < 80; depth++, fiber = fiber.return) {
    const p = fiber.memoizedProps || {};
    if (!props && p.columns && typeof p.getCellContent === 'function' && p.columns.every(c => c.width)) props = p;
    if (placeholder === undefined && p.element && 'placeholder' in p.element) placeholder = p.element.placeholder;
  }
  if (!props) return {error: 'no grid found behind the canvas'};
  const style = getComputedStyle(canvas.closest('.stDataFrameGlideDataEditor') || grid);
  const family = style.getPropertyValue('--gdg-font-family') || 'sans-serif';
  const baseFont = (style.getPropertyValue('--gdg-base-font-style') || '400 14px') + ' ' + family;
  const headerFont = (style.getPropertyValue('--gdg-header-font-style') || '400 14px') + ' ' + family;
  const pad = parseFloat(style.getPropertyValue('--gdg-cell-horizontal-padding')) || 8;
  const bubble = parseFloat(style.getPropertyValue('--gdg-bubble-padding')) || 8;
  const edge = pad / 2;  // text may use part of the right padding before it is cut
  const ctx = document.createElement('canvas').getContext('2d');
  const measure = (text, font) => { ctx.font = font; return ctx.measureText(text).width; };
  const missing = placeholder === null || placeholder === undefined ? 'None' : placeholder;
  const bad = new Set(['None', 'nan', 'NaN', 'NaT', '<NA>', 'null', 'undefined']);
  const words = [], clipped = [];
  props.columns.forEach(col => {
    const need = col.title ? measure(col.title, headerFont) + pad + edge : 0;
    if (need > col.width + 1) clipped.push(`header ${col.title} (needs ${need.toFixed(1)} px, has ${col.width})`);
  });
  for (let r = 0; r < Math.min(props.rows, 200); r++) {
    props.columns.forEach((col, c) => {
      const cell = props.getCellContent([c, r]);
      let need = 0, text = '';
      if (cell.kind === 'custom' && cell.data && Array.isArray(cell.data.values)) {
        text = cell.data.values.join(', ');
        need = cell.data.values.reduce((w, v) => w + measure(v, baseFont) + 2 * bubble + 4, pad + edge);
      } else if (cell.kind !== 'boolean' && cell.kind !== 'image') {
        text = String(cell.isMissingValue ? missing : (cell.displayData ?? ''));
        need = measure(text, baseFont) + pad + edge;
      }
      if (bad.has(text.trim())) words.push(text.trim());
      if (need > col.width + 1) clipped.push(`${col.title || 'index'}: ${text.slice(0, 60)} (needs ${need.toFixed(1)} px, has ${col.width})`);
    });
  }
  return {words, clipped};
}"""


def grid_problems(page: Page) -> tuple[list[str], list[str]]:
    """("None"-like cells, clipped cells and headers) of every dataframe the page shows: each one is
    scrolled into view first, because the grid draws its canvas only when it is on screen."""
    words: list[str] = []
    clipped: list[str] = []
    grids = page.get_by_test_id("stDataFrame")
    for i in range(grids.count()):
        grid = grids.nth(i)
        if not grid.is_visible():  # e.g. in a collapsed expander: nobody sees it
            continue
        if grid.locator(".stDataFrameGlideDataEditor, canvas").count() == 0:
            continue  # not a drawn grid (a hand-made page's plain table): the DOM checks cover it
        canvas = grid.locator('canvas[data-testid="data-grid-canvas"]')
        for _ in range(3):  # the grid mounts its canvas a moment after it comes into view
            grid.evaluate("g => g.scrollIntoView({block: 'center'})")
            try:
                canvas.wait_for(state="attached", timeout=5_000)
                break
            except PlaywrightTimeoutError:
                continue
        found = grid.evaluate(_READ_GRID)
        if not found or "error" in found:
            pytest.fail(f"could not read dataframe {i}: {found}")
        words += found["words"]
        clipped += [f"table {i}: {c}" for c in found["clipped"]]
    return words, clipped


def wide_tables(page: Page) -> list[dict[str, str]]:
    """Every dataframe whose columns do not fit its width (it scrolls sideways)."""
    return page.evaluate(_FIND_WIDE_TABLES)


def clipped_text(page: Page) -> list[dict[str, str]]:
    """Every element whose own text is cut off by its box (see the module docstring)."""
    return page.evaluate(_FIND_CLIPPED)


def empty_words_in_tables(page: Page) -> list[dict[str, str]]:
    """Every table cell that shows "None", "nan" or "NaT" instead of being blank."""
    return page.evaluate(_FIND_EMPTY_WORDS, list(EMPTY_WORDS))


# Everything drawn: no loading placeholder, every grid one can see on its canvas (a grid in a closed
# expander is drawn only when opened).
_DRAWN = """() => !document.querySelector('[data-testid="stSkeleton"]') &&
  [...document.querySelectorAll('[data-testid="stDataFrame"]')]
    .every(t => !t.checkVisibility() || t.querySelector('.dvn-scroller, table'))"""


def assert_readable(page: Page, state: str = "", *, timeout_ms: int = 15_000, may_scroll: tuple[str, ...] = ()
                    ) -> None:
    """Fail with every clipped text, every table wider than its box and every "None"-like table cell on
    the page, once everything on it is drawn (no loading placeholders, every grid on its canvas).
    ``may_scroll``: the keys (``st-key-…``) of tables allowed to be wider than their box — a list with
    a row per record and pinned first columns, which scrolls sideways by design; its cells must still fit."""
    page.wait_for_function(_DRAWN, timeout=timeout_ms)
    clipped, empty = clipped_text(page), empty_words_in_tables(page)
    wide = [w for w in wide_tables(page) if not any(f"st-key-{k}" in w["table"] for k in may_scroll)]
    words, cells = grid_problems(page)
    if not clipped and not wide and not empty and not words and not cells:
        return
    size = page.viewport_size or {}
    lines = [f"Not readable at {size.get('width')}x{size.get('height')}" + (f" ({state})" if state else "")
             + f" on {page.url}:"]
    lines += [f"  clipped: {c['text']!r} ({c['overflow']}) at {c['path']} [{c['where']}]" for c in clipped]
    lines += [f"  table wider than its box: {w['table']} ({w['overflow']})" for w in wide]
    lines += [f"  {e['text']!r} shown in {e['table']}" for e in empty]
    lines += [f"  clipped table cell: {c}" for c in cells[:20]]
    if words:
        lines.append(f"  {len(words)} drawn table cells read {sorted(set(words))} instead of blank")
    pytest.fail("\n".join(lines))
