"""Finance dashboard: KPIs, charts, payments table and exports from the synced DuckDB data.

The page lives in lib/finance/ui_dashboard.py (sections in lib/finance/ui_*.py); the numbers in
lib/finance/metrics/.
"""

from lib.finance import ui_dashboard

ui_dashboard.render_dashboard()
