"""boomi-promo: promote Boomi components from dev sub-accounts into the primary account."""

__version__ = "0.1.0"
