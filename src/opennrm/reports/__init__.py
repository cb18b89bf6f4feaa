"""The shared report toolkit: charts (SVG/PNG), PDF documents, CSV and XLSX tables.

Statistics pages, the statistics PDF and the action-plan progress report all build on
these few functions, so every output has the same colours, the same accessibility
treatment and the same formula-injection guard.
"""

from opennrm.reports.charts import Chart, bar_chart, line_chart, progress_chart
from opennrm.reports.pdf import Document
from opennrm.reports.spreadsheets import Sheet, to_csv, to_xlsx

__all__ = [
    "Chart",
    "Document",
    "Sheet",
    "bar_chart",
    "line_chart",
    "progress_chart",
    "to_csv",
    "to_xlsx",
]
