"""How the pages and the API say metadata: camera names as people say them, exposure, position.

Pure functions of recorded values; the recorded values themselves are never changed.
"""

from __future__ import annotations

from fractions import Fraction

# Make as cameras record it (upper-cased, trimmed) -> the brand as people say it.
BRANDS: dict[str, str] = {
    "NIKON CORPORATION": "Nikon",
    "NIKON": "Nikon",
    "CANON": "Canon",
    "EASTMAN KODAK COMPANY": "Kodak",
    "OLYMPUS IMAGING CORP.": "Olympus",
    "OLYMPUS CORPORATION": "Olympus",
    "OLYMPUS OPTICAL CO.,LTD": "Olympus",
    "OM DIGITAL SOLUTIONS": "OM System",
    "KONICA MINOLTA": "Konica Minolta",
    "MINOLTA CO.,LTD": "Minolta",
    "PENTAX CORPORATION": "Pentax",
    "RICOH IMAGING COMPANY, LTD.": "Ricoh",
    "RICOH": "Ricoh",
    "FUJIFILM": "Fujifilm",
    "FUJI PHOTO FILM CO., LTD.": "Fujifilm",
    "SONY": "Sony",
    "SAMSUNG": "Samsung",
    "SAMSUNG TECHWIN": "Samsung",
    "CASIO COMPUTER CO.,LTD.": "Casio",
    "CASIO COMPUTER CO.,LTD": "Casio",
    "SANYO ELECTRIC CO.,LTD.": "Sanyo",
    "PANASONIC": "Panasonic",
    "LEICA CAMERA AG": "Leica",
    "HMD GLOBAL": "Nokia",
    "APPLE": "Apple",
    "GOOGLE": "Google",
}


def camera(make: str, model: str) -> str:
    """ "NIKON CORPORATION" + "NIKON D70" -> "Nikon D70"; "Canon" + "Canon EOS 40D" -> itself."""
    make, model = make.strip(), model.strip()
    brand = BRANDS.get(make.upper(), make)
    if not model:
        return brand
    if not brand:
        return model
    first_word = model.split()[0]
    for prefix in {brand.split()[0], make.split()[0] if make else brand}:
        if first_word.upper() == prefix.upper():
            return f"{brand} {model[len(first_word) :].strip()}".strip()
    return f"{brand} {model}"


def exposure_time(seconds: float | None) -> str:
    """0.00625 -> "1/160 s"; 2.5 -> "2.5 s"; 0.4 -> "0.4 s"."""
    if not seconds:
        return ""
    if seconds < 1:
        denominator = round(1 / Fraction(seconds).limit_denominator(1_000_000))
        if abs(1 / denominator - seconds) <= seconds * 0.05:  # a unit fraction, as cameras say
            return f"1/{denominator} s"
    return f"{seconds:.3g} s"


def aperture(f_number: float | None) -> str:
    return "f/" + _decimal(f_number, 1) if f_number else ""


def focal_length(mm: float | None) -> str:
    return _decimal(mm, 2) + " mm" if mm else ""


def iso(value: int | None) -> str:
    return f"ISO {value}" if value else ""


def position(latitude: float | None, longitude: float | None) -> str:
    """48.858400, 2.294500 -> "48.858400° N, 2.294500° E"."""
    if latitude is None or longitude is None:
        return ""
    north = "N" if latitude >= 0 else "S"
    east = "E" if longitude >= 0 else "W"
    return f"{abs(latitude):.6f}° {north}, {abs(longitude):.6f}° {east}"


def _decimal(value: float, places: int) -> str:
    return f"{value:.{places}f}".rstrip("0").rstrip(".")


def summary(*parts: str) -> str:
    """The non-empty parts joined by " · "."""
    return " · ".join(part for part in parts if part)
