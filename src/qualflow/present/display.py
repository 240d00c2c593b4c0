"""What the notebooks show, made safe and stable: an IPython extension loaded into every kernel
that :func:`qualflow.present.notebooks.run_notebook` starts (``--ext=qualflow.present.display``).

Study data (quotes, codebook labels, ``participants.csv`` values, wave labels) reaches the
notebooks' HTML through two displays: pandas ``Styler`` tables and ``Markdown`` objects. Neither
escapes by default, so a quote containing ``<script>`` or ``<img onerror=…>`` would be live in the
executed notebook and its HTML copy (OWASP: encode untrusted data for the HTML context). This
extension makes every such display escape its data, and makes the executed notebook
reproducible byte for byte: Styler tables get sequential ids instead of random ones and a plain
text form instead of ``<Styler at 0x…>``.

The notebooks do not need to import anything: their usual ``display(frame.style…)`` and
``display(Markdown(text))`` go through the formatters registered here. Markdown written in the
notebooks' own markdown cells is authored text and is left alone.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pandas as pd

#: Module and name of pandas' Styler, registered by name so that the kernel starts without it.
_STYLER = ("pandas.io.formats.style", "Styler")
#: A Markdown code span (its content is never read as HTML).
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)


def escape_markdown_html(text: str) -> str:
    """``text`` as Markdown whose data can never become HTML: every ``<`` and ``&`` outside code
    spans is written as an entity (CommonMark shows ``&lt;`` as ``<``), so raw HTML and autolinks
    in data are shown as text. Code spans are left as they are (they are never HTML)."""
    out, last = [], 0
    for match in _CODE_SPAN.finditer(text):
        out.append(_escape_lt(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_escape_lt(text[last:]))
    return "".join(out)


def _escape_lt(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


def styler_plain(styler: Any) -> str:
    """A Styler's table as plain text (what a text-only viewer of the .ipynb shows)."""
    return styler.data.to_string(index=not all(styler.hide_index_))


def styler_html(styler: Any, uuid: str) -> str:
    """A Styler rendered with ``uuid`` as its id (random by default) and escaped labels."""
    styler.set_uuid(uuid)
    if not styler._display_funcs_index:  # labels not formatted by the notebook: escape them
        styler.format_index(escape="html", axis=0)
    if not styler._display_funcs_columns:
        styler.format_index(escape="html", axis=1)
    return styler.to_html()


def load_ipython_extension(ipython: Any) -> None:
    """Register the escaping, reproducible formatters in ``ipython``'s display system."""
    from IPython.display import Markdown

    # Cell values of every Styler made from now on are HTML-escaped (pandas' own option).
    pd.set_option("styler.format.escape", "html")
    counter = itertools.count(1)
    formatters = ipython.display_formatter.formatters
    # By name: importing Styler imports matplotlib.pyplot (~1 s at kernel start), which a
    # notebook showing no Styler never needs.
    html_ = formatters["text/html"]
    html_.for_type_by_name(*_STYLER, lambda s: styler_html(s, f"qf{next(counter)}"))
    plain = formatters["text/plain"]
    plain.for_type_by_name(*_STYLER, lambda s, p, cycle: p.text(styler_plain(s)))
    formatters["text/markdown"].for_type(Markdown, lambda m: escape_markdown_html(m.data or ""))


def show_table(frame: pd.DataFrame) -> None:
    """Display ``frame`` as a table without its index (the escaping formatters apply)."""
    from IPython.display import display

    display(frame.style.hide(axis="index"))
