"""The readability check itself, on hand-made pages (no app server): it must catch what a person would
see cut off or "None" in a table, and stay quiet about what a person cannot see."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.readability import assert_readable, clipped_text, empty_words_in_tables, wide_tables

CLIPPED = """
<div id="ellipsis" style="width:80px; white-space:nowrap; overflow:hidden; text-overflow:ellipsis">requires_confirmation</div>
<div style="width:60px; overflow:hidden; white-space:nowrap"><p id="wrapped">charge.dispute.funds_withdrawn</p></div>
<div id="fits" style="width:300px; overflow:hidden; white-space:nowrap">Succeeded</div>
<div id="scrolls" style="width:60px; overflow-x:auto; white-space:nowrap">a long line that scrolls instead</div>
<div id="wraps" style="width:60px; overflow:hidden">words that wrap onto lines</div>
<div style="position:absolute; left:-10000px; width:40px; overflow:hidden; white-space:nowrap">offscreen a11y text</div>
<div style="position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap">visually hidden label</div>
<div style="display:none; width:20px; overflow:hidden; white-space:nowrap">not displayed at all</div>
<iframe id="inner" srcdoc="<div style='width:50px; overflow:hidden; white-space:nowrap; text-overflow:ellipsis'>inside a frame</div>"></iframe>
"""

TABLES = """
<div data-testid="stDataFrame"><table><tr><td>pi_1</td><td>None</td><td></td></tr><tr><td>nan</td><td>NaT</td></tr></table></div>
<div data-testid="stTable"><table><tr><td>Succeeded</td><td>None</td></tr></table></div>
<table><tr><td>None</td></tr></table>
"""


def test_clipped_text_is_found_with_its_text_and_path(page: Page):
    page.set_content(CLIPPED)
    page.wait_for_function("document.getElementById('inner').contentDocument?.body?.textContent.includes('frame')")
    found = {c["text"]: c for c in clipped_text(page)}
    assert set(found) == {"requires_confirmation", "charge.dispute.funds_withdrawn", "inside a frame"}
    assert "div:nth-of-type(1)" in found["requires_confirmation"]["path"]
    assert found["inside a frame"]["where"].startswith("iframe")
    with pytest.raises(pytest.fail.Exception, match="clipped: 'requires_confirmation'"):
        assert_readable(page, "hand-made")


def test_none_nan_and_nat_cells_in_tables_are_found(page: Page):
    page.set_content(TABLES)
    assert sorted(e["text"] for e in empty_words_in_tables(page)) == ["NaT", "None", "None", "nan"]
    with pytest.raises(pytest.fail.Exception, match="'None' shown in stDataFrame"):
        assert_readable(page)


def test_a_dataframe_that_scrolls_sideways_is_found(page: Page):
    page.set_content('<div class="st-key-t" data-testid="stDataFrame"><div class="dvn-scroller" style="width:200px; '
                     'overflow:auto"><div style="width:900px; height:10px"></div></div></div>'
                     '<div data-testid="stDataFrame"><div class="dvn-scroller" style="width:200px; overflow:auto">'
                     '<div style="width:150px; height:10px"></div></div></div>')
    assert [w["table"] for w in wide_tables(page)] == ["stDataFrame #0 st-key-t"]
    with pytest.raises(pytest.fail.Exception, match="table wider than its box"):
        assert_readable(page)


def test_a_readable_page_passes(page: Page):
    page.set_content('<div style="width:300px; overflow:hidden">Succeeded</div>'
                     '<div data-testid="stDataFrame"><table><tr><td>pi_1</td><td></td></tr></table></div>')
    assert_readable(page)
