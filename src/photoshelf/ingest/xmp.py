"""The few XMP properties photoshelf reads, from a packet of any container, parsed safely."""

from __future__ import annotations

import logging

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


def parse_xmp(data: bytes | str | None, name: str) -> dict[str, str]:
    """The few XMP properties we use, as {"prefix:Name": text}; {} when absent or unsafe."""
    if not data:
        return {}
    if isinstance(data, str):
        data = data.encode("utf-8", errors="replace")
    if len(data) > MAX_XMP_BYTES:
        return {}
    try:
        root = SafeET.fromstring(data.strip(b"\x00 \r\n\t"))
    except Exception as exc:  # malformed XML, entities, DTDs: defusedxml refuses them all
        log.info("xmp: unreadable XMP in %s: %r", name or "upload", exc)
        return {}
    wanted = {f"{{{uri}}}": prefix for prefix, uri in XMP_NS.items() if prefix != "rdf"}
    found: dict[str, str] = {}
    for element in root.iter():
        # properties appear both as attributes of rdf:Description and as child elements
        for key, value in [*element.attrib.items(), (element.tag, element.text)]:
            if not isinstance(key, str) or not value or not value.strip():
                continue
            for uri, prefix in wanted.items():
                if key.startswith(uri):
                    found.setdefault(f"{prefix}:{key[len(uri) :]}", value.strip())
        # rdf:Alt / rdf:Seq values (e.g. a lens name in rdf:li) belong to their parent property
        for child in element:
            items = [li.text for li in child.iter(f"{{{XMP_NS['rdf']}}}li") if li.text]
            if items and isinstance(element.tag, str):
                for uri, prefix in wanted.items():
                    if element.tag.startswith(uri):
                        found.setdefault(f"{prefix}:{element.tag[len(uri) :]}", items[0].strip())
    return found
