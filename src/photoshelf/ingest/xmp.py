"""The few XMP properties photoshelf reads, from a packet of any container, parsed safely."""

from __future__ import annotations

import io
import logging
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET

log = logging.getLogger(__name__)

XMP_NS = {
    "exif": "http://ns.adobe.com/exif/1.0/",
    "exifEX": "http://cipa.jp/exif/1.0/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
    "aux": "http://ns.adobe.com/exif/1.0/aux/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}
MAX_XMP_BYTES = 1024 * 1024  # a larger XMP packet is ignored rather than parsed
# Real packets are a few levels deep (x:xmpmeta/rdf:RDF/rdf:Description/property/rdf:Seq/rdf:li,
# a struct or two more) and hold at most some thousands of elements (a long edit history). A
# packet beyond either bound is ignored, found while parsing: the rest is never parsed or walked.
MAX_XMP_DEPTH = 100
MAX_XMP_ELEMENTS = 100_000

_RDF_LI = f"{{{XMP_NS['rdf']}}}li"
_WANTED = {f"{{{uri}}}": prefix for prefix, uri in XMP_NS.items() if prefix != "rdf"}


class _TooLarge(Exception):
    pass


def parse_xmp(data: bytes | str | None, name: str) -> dict[str, str]:
    """The few XMP properties we use, as {"prefix:Name": text}; {} when absent or unsafe."""
    if not data:
        return {}
    if isinstance(data, str):
        data = data.encode("utf-8", errors="replace")
    if len(data) > MAX_XMP_BYTES:
        return {}
    try:
        root, first_li = _parse(data.strip(b"\x00 \r\n\t"))
    except _TooLarge as exc:
        log.info("xmp: ignored the XMP in %s: %s", name or "upload", exc)
        return {}
    except Exception as exc:  # malformed XML, entities, DTDs: defusedxml refuses them all
        log.info("xmp: unreadable XMP in %s: %r", name or "upload", exc)
        return {}
    found: dict[str, str] = {}
    for element in root.iter():
        # properties appear both as attributes of rdf:Description and as child elements
        for key, value in [*element.attrib.items(), (element.tag, element.text)]:
            if not isinstance(key, str) or not value or not value.strip():
                continue
            _add(found, key, value)
        # rdf:Alt / rdf:Seq values (e.g. a lens name in rdf:li) belong to their parent property:
        # the first rdf:li with text below it, found while parsing
        if isinstance(element.tag, str):
            for child in element:
                li = first_li.get(child)
                if li is not None:
                    _add(found, element.tag, li.text or "")
                    break
    return found


def _add(found: dict[str, str], key: str, value: str) -> None:
    for uri, prefix in _WANTED.items():
        if key.startswith(uri):
            found.setdefault(f"{prefix}:{key[len(uri) :]}", value.strip())


def _parse(data: bytes) -> tuple[Element, dict[Element, Element]]:
    """The tree, and for each element the first rdf:li with text in its subtree (itself
    included); raises _TooLarge as soon as the packet is deeper or larger than the bounds."""
    depth = elements = 0
    root: Element | None = None
    first_li: dict[Element, Element] = {}
    for event, element in SafeET.iterparse(io.BytesIO(data), events=("start", "end")):
        if event == "start":
            depth += 1
            elements += 1
            if depth > MAX_XMP_DEPTH:
                raise _TooLarge(f"nested deeper than {MAX_XMP_DEPTH} elements")
            if elements > MAX_XMP_ELEMENTS:
                raise _TooLarge(f"more than {MAX_XMP_ELEMENTS} elements")
            if root is None:
                root = element
            continue
        depth -= 1
        if element.tag == _RDF_LI and element.text:
            first_li[element] = element
        else:
            for child in element:
                if child in first_li:
                    first_li[element] = first_li[child]
                    break
    if root is None:
        raise ValueError("no root element")
    return root, first_li
