"""Pure business rules for the expert library: validation, eligibility and admission workflow."""


class InvalidInput(ValueError):
    """str(e) is a Chinese message for the user."""
