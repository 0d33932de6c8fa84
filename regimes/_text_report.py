"""The text report of a fitted model, like statsmodels' ``summary()``.

:class:`Report` holds the fit's facts as (label, value) pairs and the parameter
table of :meth:`regimes.RegimeResults.standard_errors`; it prints as text and shows
as HTML in a notebook.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import pandas as pd


@dataclass(frozen=True)
class Report:
    """A text report of a fitted model, like statsmodels' ``summary()``.

    ``print(report)`` or ``report.as_text()`` for text; notebooks show the HTML
    (``_repr_html_``). ``header`` holds the model facts as (label, value) pairs,
    ``parameters`` the frame of :meth:`regimes.RegimeResults.standard_errors`.
    """

    title: str
    header: tuple[tuple[str, str], ...]
    parameters: pd.DataFrame
    footnotes: tuple[str, ...] = ()

    def as_text(self) -> str:
        """The report as plain text."""
        width = 78
        half = (len(self.header) + 1) // 2
        left, right = self.header[:half], self.header[half:]
        lines = [self.title.center(width), "=" * width]
        for i in range(half):
            cells = [f"{left[i][0] + ':':<18}{left[i][1]:>20}"]
            if i < len(right):
                cells.append(f"{right[i][0] + ':':<18}{right[i][1]:>20}")
            lines.append("  ".join(cells))
        lines.append("=" * width)
        numbers = self.parameters.drop(columns="note", errors="ignore")
        table = numbers.to_string(float_format=lambda v: f"{v:.4g}", na_rep="nan")
        lines.extend(table.splitlines())
        lines.append("=" * width)
        if "note" in self.parameters:
            notes = self.parameters["note"]
            lines.extend(f"{name}: {note}" for name, note in notes[notes != ""].items())
        lines.extend(self.footnotes)
        return "\n".join(lines)

    def as_html(self) -> str:
        """The report as an HTML fragment (header table, then parameter table)."""
        rows = "".join(
            f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>"
            for label, value in self.header
        )
        notes = "".join(f"<p>{escape(n)}</p>" for n in self.footnotes)
        table = self.parameters.to_html(float_format=lambda v: f"{v:.4g}", na_rep="nan")
        return f"<h4>{escape(self.title)}</h4><table>{rows}</table>{table}{notes}"

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()
