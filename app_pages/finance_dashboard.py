"""Finance dashboard: KPIs, charts, payments table and exports from the synced DuckDB data.

The layout lives in lib/ui_finance.py (sections in lib/finance/ui_*.py); the numbers in
lib/finance/metrics.py.
"""

from lib import ui_finance

ui_finance.render_dashboard()
