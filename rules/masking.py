"""Masks for personal numbers shown to people who do not need them in full."""


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
