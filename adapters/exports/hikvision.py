"""Hikvision ANPR camera block list as the ISAPI licensePlateAuditData XML document:
a LicensePlateInfoList of LicensePlateInfo, one per plate, for upload with
PUT /ISAPI/Traffic/channels/<ID>/licensePlateAuditData. Pure; parse() reads it back."""

# Format. Hikvision's ISAPI guides are distributed to partners (TPP); what the public
# record holds, and this module follows:
# - "Intelligent Security API (ANPR) Developer Guide", chapter 3 "Configure Blacklist
#   and Whitelist ANPR Alarm", and "Intelligent Security API (Traffic) Developer Guide"
#   (mirrored at https://www.scribd.com/document/672838341/ISAPI-ANPR and
#   https://www.scribd.com/document/821033403/ISAPI-Traffic): the list is managed with
#   /ISAPI/Traffic/channels/<ID>/licensePlateAuditData; "How to integrate with Hikvision
#   LPR function via ISAPI" v1.1.0 (2016) documents the same URI for importing the list
#   as an opaque .xls file instead.
# - The XML body: root LicensePlateInfoList, version "2.0", default namespace
#   http://www.isapi.org/ver20/XMLSchema (as every ISAPI message, e.g.
#   XML_EventNotificationAlert in the Device Network SDK (Traffic) Developer Guide
#   V6.1.4.X), children LicensePlateInfo with LicensePlate, listType, createTime,
#   effectiveStartDate, effectiveTime and an optional device-assigned id; the JSON
#   twin (licensePlateAuditData/record?format=json) adds plateDescription. Element names
#   and values as seen in independent integrations and in the camera's own search
#   results (searchLPListAudit): listType blackList/whiteList, newer firmware
#   blockList/allowList; effectiveTime written back as "2099-12-31T23:59:59+03:00".
#
# Choices (model rules apply):
# - One LicensePlateInfo per plate (model.merge_by_plate): the camera keys its list by
#   plate (its search results give the plate as the record id). No country: the list
#   has no country element (Hikvision countries are numeric indexes on reads only).
# - listType LIST_TYPE ("blackList"); pass list_type="blockList" for firmware that
#   names it so. A hotlist is never an allow list: whiteList/allowList are refused.
# - id is not written: it is the camera's record id, assigned on import.
# - createTime is generated_at; effectiveStartDate is the UTC date of generated_at (the
#   entries are live when the file is made; a start a few hours early is harmless);
#   effectiveTime is expires_at. Times are UTC with an explicit "+00:00" offset, as the
#   camera writes them, so the camera's own time zone cannot shift them.
# - plateDescription holds model.summary() on one line (action, flags, category,
#   description); XML special characters are escaped by the serialiser, characters XML
#   cannot hold never get there (model.one_line keeps printable characters only).
# - UTF-8, with an XML declaration; indented, deterministic.

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from adapters.exports.model import (
    ExportEntry,
    ExportError,
    check_export_options,
    live_entries,
    merge_by_plate,
    one_line,
    summary,
)
from adapters.model import PayloadError
from adapters.vendors.xml_safe import parse_xml

NAMESPACE = "http://www.isapi.org/ver20/XMLSchema"
LIST_TYPE = "blackList"
LIST_TYPES = frozenset({"blackList", "blockList"})
UPLOAD_PATH = "/ISAPI/Traffic/channels/{channel}/licensePlateAuditData"
CONTENT_TYPE = "application/xml"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S+00:00"
DATE_FORMAT = "%Y-%m-%d"
ELEMENTS = (
    "LicensePlate",
    "listType",
    "createTime",
    "effectiveStartDate",
    "effectiveTime",
    "plateDescription",
)
MAX_PARSE_BYTES = 64 * 1024 * 1024


def export(
    entries: Sequence[ExportEntry],
    *,
    list_name: str,
    generated_at: datetime,
    list_type: str = LIST_TYPE,
) -> bytes:
    """The LicensePlateInfoList document for the live entries, one LicensePlateInfo per
    plate. list_name is checked but not written: the document has no place for it (the
    list is the camera channel's)."""
    check_export_options(list_name, generated_at)
    if list_type not in LIST_TYPES:
        raise ExportError("list type must be blackList or blockList (a hotlist blocks)")
    created = generated_at.astimezone(UTC)
    root = Element("LicensePlateInfoList", {"version": "2.0", "xmlns": NAMESPACE})
    for entry in merge_by_plate(live_entries(entries, generated_at)):
        info = SubElement(root, "LicensePlateInfo")
        values = (
            entry.plate,
            list_type,
            created.strftime(TIME_FORMAT),
            created.strftime(DATE_FORMAT),
            entry.expires_at.astimezone(UTC).strftime(TIME_FORMAT),
            one_line(summary(entry)),
        )
        for name, value in zip(ELEMENTS, values, strict=True):
            SubElement(info, name).text = value
    indent(root)
    body = tostring(root, encoding="unicode", short_empty_elements=True)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'.encode()


def parse(data: bytes) -> list[dict[str, str]]:
    """Read a LicensePlateInfoList back as one {element: text} per LicensePlateInfo
    (namespace dropped). A DTD is refused (no entity tricks), as is any other root."""
    if len(data) > MAX_PARSE_BYTES:
        raise ExportError(f"document larger than {MAX_PARSE_BYTES} bytes")
    root = _parse_xml(data)
    if root.tag != "LicensePlateInfoList":
        raise ExportError("root element is not LicensePlateInfoList")
    rows: list[dict[str, str]] = []
    for info in root:
        if info.tag != "LicensePlateInfo":
            raise ExportError(f"unexpected element {info.tag!r} in the list")
        row: dict[str, str] = {}
        for child in info:
            if child.tag in row or len(child):
                raise ExportError(f"element {child.tag!r} repeated or nested")
            row[child.tag] = child.text or ""
        rows.append(row)
    return rows


def _parse_xml(data: bytes) -> Element:
    """The vendors' safe XML reading (no DTD, no entities), refusals as ExportError."""
    try:
        root = parse_xml(data)
    except PayloadError as exc:
        raise ExportError(str(exc)) from None
    _strip_layout(root)
    return root


def _strip_layout(element: Element) -> None:
    """Drop the indentation between elements (text of an element with children)."""
    if len(element):
        element.text = None
        for child in element:
            child.tail = None
            _strip_layout(child)
