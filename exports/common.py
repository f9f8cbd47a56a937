"""What every workbook we write shares: text stays text, and footers survive Excel's codes."""
from __future__ import annotations

# xlsxwriter options: a value like "=HYPERLINK(...)", "http://..." or "0012" is written as the
# text it is, never turned into a formula, a link or a number.
TEXT_ONLY = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def footer_text(text, limit: int = 60) -> str:
    """Text for a page header or footer: Excel caps them at 255 characters and '&' starts a code."""
    return str(text)[:limit].replace("&", "&&")
