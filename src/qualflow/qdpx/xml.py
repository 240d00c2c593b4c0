"""Safe XML for REFI-QDA: no DTDs or entities, size caps, validation against the REFI-QDA 1.0
schema.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

import xmlschema
from lxml import etree

from qualflow.errors import InputError


def _xsd_path():
    return resources.files("qualflow") / "data" / "Project.xsd"


@functools.cache
def _schema() -> xmlschema.XMLSchema:
    """The REFI-QDA 1.0 project schema shipped with qualflow (``qualflow/data/Project.xsd``)."""
    with resources.as_file(_xsd_path()) as path:
        return xmlschema.XMLSchema(str(path))


@functools.cache
def _fast_schema() -> etree.XMLSchema:
    """The same schema compiled by libxml2: a fast first check for large projects."""
    with resources.as_file(_xsd_path()) as path:
        return etree.XMLSchema(etree.parse(str(path)))


_PROLOG_DTD = re.compile(rb"^(?:\s+|<\?.*?\?>|<!--.*?-->)*<!DOCTYPE", re.DOTALL)

#: What lxml says when a memo holds a bare ``&`` or ``<`` (QualCoder writes memos unescaped).
_UNESCAPED_HINTS = (
    "EntityRef",
    "xmlParseEntityRef",
    "StartTag",
    "invalid element name",
    "Unescaped '<'",
    "AttValue: '<'",
    "Specification mandates value",
)


def _has_dtd(data: bytes) -> bool:
    """Whether the XML declares a document type (and so may declare entities)."""
    head = data[: 1 << 16]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    return _PROLOG_DTD.match(head.removeprefix(b"\xef\xbb\xbf")) is not None


def parse_xml(data: bytes, where: str) -> etree._Element:
    """Parse project XML. DTDs are refused before parsing (no entity can be declared, so none is
    expanded or fetched: no XXE, no entity bomb); a syntax error names the line, with a hint
    when it is the bare ``&``/``<`` that QualCoder leaves in memos."""
    if _has_dtd(data):
        raise InputError(
            where,
            "the XML declares a DTD (<!DOCTYPE ...>); DTDs/entities are not allowed in a "
            "REFI-QDA project",
        )
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        line = err.lineno if err.lineno else None
        hint = ""
        if any(marker in (err.msg or "") for marker in _UNESCAPED_HINTS):
            hint = (
                "; the usual cause is a memo or description holding a bare '&' or '<' "
                "(QualCoder writes them unescaped): write it as &amp; / &lt; on that line, or "
                "remove it from the memo in the QDA software, and export again"
            )
        raise InputError(where, f"XML is not well-formed ({err.msg}){hint}", line=line) from None
    if root.getroottree().docinfo.doctype:
        raise InputError(where, "the XML declares a DTD; DTDs/entities are not allowed")
    return root


def check_schema(root: etree._Element, where: str) -> None:
    """Raise InputError with xmlschema's reason and the element path of the first violation.

    libxml2 checks first (fast, C); xmlschema then explains a failure (and decides it)."""
    if _fast_schema().validate(root):
        return
    errors = list(_schema().iter_errors(root))
    if not errors:
        return
    first = errors[0]
    more = f" ({len(errors) - 1} more schema error(s))" if len(errors) > 1 else ""
    reason = first.reason or str(first.message)
    raise InputError(
        where,
        f"does not follow the REFI-QDA 1.0 schema: {reason}{more}",
        line=getattr(first, "sourceline", None),
        element=first.path,
    )
