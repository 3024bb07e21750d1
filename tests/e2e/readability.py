"""Readability checks for a rendered page: no clipped text, no "None"/"nan" in tables.

Clipped text: an element whose *own* text (its direct text nodes) runs past the edge of a box
that hides overflow (``overflow: hidden/clip``) or ends it with an ellipsis — the element itself
or one of its ancestors —, a text field (a selectbox's choice) whose value is wider than the field,
and a dataframe cell or header wider than its column. Charts (SVG) are
skipped; hidden elements (collapsed expanders, closed popovers) have no size and are skipped too.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

# Streamlit's visually hidden helpers (screen-reader text) are meant to be clipped.
_FIND_CLIPPED = """() => {
  const clipped = [];
  const hides = s => ['hidden', 'clip'].includes(s.overflowX) || ['hidden', 'clip'].includes(s.overflowY)
                     || s.textOverflow === 'ellipsis';
  for (const el of document.querySelectorAll('[data-testid="stApp"] *')) {
    if (el.closest('svg, canvas, [data-testid="stDataFrameResizable"] table, .sr-only')) continue;
    const own = [...el.childNodes].filter(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!own.length) continue;
    const range = document.createRange();
    range.setStartBefore(own[0]); range.setEndAfter(own[own.length - 1]);
    const text = range.getBoundingClientRect();
    if (text.width < 1 || text.height < 1) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.opacity === '0') continue;
    // the element and up to five ancestors: the box that clips is rarely further out
    let box = el;
    for (let depth = 0; box && depth < 6; depth++, box = box.parentElement) {
      const s = getComputedStyle(box);
      if (!hides(s)) continue;
      const r = box.getBoundingClientRect();
      if (r.width < 2 || r.height < 2) break;  // a visually hidden helper, not a text box
      const overX = text.right > r.right + 1 || text.left < r.left - 1 || box.scrollWidth > box.clientWidth + 1;
      const overY = (['hidden', 'clip'].includes(s.overflowY) && (text.bottom > r.bottom + 1));
      const ellipsis = s.textOverflow === 'ellipsis' && box.scrollWidth > box.clientWidth + 1;
      if ((overX && (['hidden', 'clip'].includes(s.overflowX) || ellipsis)) || overY) {
        clipped.push({text: el.textContent.trim().slice(0, 80), tag: el.tagName,
                      testid: (el.closest('[data-testid]') || {}).dataset?.testid || '',
                      box: [Math.round(r.width), Math.round(r.height)],
                      need: [Math.round(text.width), Math.round(text.height)]});
        break;
      }
    }
  }
  // a text field (a selectbox shows its choice in one) cuts its value without any overflow style
  for (const input of document.querySelectorAll('[data-testid="stApp"] input')) {
    if (!['text', 'search', 'number', 'email', 'url', 'tel', ''].includes(input.type) || !input.value) continue;
    const r = input.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) continue;
    if (input.scrollWidth > input.clientWidth + 1) {
      clipped.push({text: input.value.slice(0, 80), tag: 'INPUT',
                    testid: (input.closest('[data-testid]') || {}).dataset?.testid || '',
                    box: [input.clientWidth, input.clientHeight], need: [input.scrollWidth, input.clientHeight]});
    }
  }
  return clipped;
}"""

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


def clipped_text(page: Page) -> list[dict]:
    """Every element whose own text is clipped (see the module docstring)."""
    return page.evaluate(_FIND_CLIPPED)


def assert_readable(page: Page) -> None:
    """Fail on clipped text (DOM boxes, dataframe cells and headers) or on "None"/"nan" cells."""
    problems = []
    clipped = clipped_text(page)
    if clipped:
        problems.append("clipped text:\n" + "\n".join(f"  {c['text']!r} <{c['tag']}> in {c['testid']} "
                                                      f"(box {c['box']}, text {c['need']})" for c in clipped[:20]))
    words, cells = grid_problems(page)
    if cells:
        problems.append("clipped table cells:\n" + "\n".join(f"  {c}" for c in cells[:20]))
    if words:
        problems.append(f"{len(words)} table cells read {sorted(set(words))} instead of blank")
    if problems:
        pytest.fail(f"not readable at {page.viewport_size}:\n" + "\n".join(problems))
