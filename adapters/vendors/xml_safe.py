"""Parsing a vendor's XML safely: expat directly, refusing any document type
declaration (with it go entity declarations, the root of "billion laughs", and
external-entity attacks), into an ElementTree whose tags are local names."""

from __future__ import annotations

from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from adapters.model import PayloadError


def parse_xml(data: bytes) -> Element:
    """The document's root element, or PayloadError naming the kind of fault (never
    document text)."""
    builder = TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")

    def refuse_dtd(*_args: object) -> None:
        raise PayloadError("XML with a document type declaration (DTD) is refused")

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.ExternalEntityRefHandler = refuse_dtd
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = lambda name, attrs: builder.start(local_name(name), attrs)
    parser.EndElementHandler = lambda name: builder.end(local_name(name))
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise PayloadError(f"malformed XML: {expat.ErrorString(exc.code)}") from None
    except LookupError:  # found by fuzzing: expat asks Python for a declared encoding
        raise PayloadError("XML declares a character encoding that is not known") from None
    return builder.close()


def local_name(name: str) -> str:
    """A tag without its namespace ("{ns}}tag" as expat gives it -> "tag")."""
    return name.rpartition("}")[2]
