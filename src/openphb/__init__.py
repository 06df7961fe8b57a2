"""OpenPHB: running personal health budgets."""

__version__ = "0.1.0"
