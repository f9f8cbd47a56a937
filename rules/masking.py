"""Masks for personal numbers shown to people who do not need them in full."""

# Which role may see which personal number in full (on request, audited); everyone else sees
# the mask. The bureau pays fees and contacts experts; units and departments phone them.
FULL_NUMBERS = {
    "bureau": frozenset({"id_number", "mobile", "bank_account"}),
    "unit": frozenset({"mobile"}),
    "dept": frozenset({"mobile"}),
}


def may_see(role: str | None, field: str) -> bool:
    return field in FULL_NUMBERS.get(role or "", frozenset())


def mask_middle(value: str | None, keep_start: int, keep_end: int) -> str:
    """Keep the ends, star the middle; short values are starred whole."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[len(value) - keep_end:]


def mask_id_number(value: str | None) -> str:
    """3306**********123X"""
    return mask_middle(value, 4, 4)


def mask_mobile(value: str | None) -> str:
    """138****5678"""
    return mask_middle(value, 3, 4)


def mask_bank_account(value: str | None) -> str:
    """Only the last four digits."""
    return mask_middle(value, 0, 4)
