"""Personal data of applicants (Nghị định 13/2023): shown in full only to those who need it.

Lists, exports for people outside the ward's one-stop work, and reports sent up to the city carry
masked values: enough to tell two applicants apart, not enough to contact or identify them.
"""


def mask_id(value: str) -> str:
    """Keep the last 3 digits of an ID or tax code."""
    value = value or ""
    if len(value) <= 3:
        return "•" * len(value)
    return "•" * (len(value) - 3) + value[-3:]


def mask_phone(value: str) -> str:
    value = value or ""
    if len(value) <= 6:
        return "•" * len(value)
    return value[:3] + "•" * (len(value) - 6) + value[-3:]


def mask_address(value: str) -> str:
    """Keep only the last part (ward, commune) of an address: house and street are personal."""
    value = (value or "").strip()
    if not value:
        return ""
    tail = value.rsplit(",", 1)[-1].strip() if "," in value else ""
    return "•••, " + tail if tail else "•••"
