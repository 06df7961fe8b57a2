"""Merchant categories a personal health budget can never pay for, with plain names: the one
list that the statement (which explains such a purchase to the person) and monitoring (which
flags it) both read. Pure values; it imports nothing, so any app may use it."""

from collections.abc import Mapping

# Merchant category code -> what the bank says the merchant is, in plain words.
EXCLUDED_MCCS: Mapping[str, str] = {
    "7995": "betting and gambling",
    "7800": "a government lottery",
    "7801": "internet gambling",
    "7802": "horse or dog racing",
    "5921": "a shop selling alcohol",
    "5993": "a tobacco shop",
}


def excluded(mcc: str) -> str:
    """The plain name of the merchant category if a budget can never pay for it, else ''."""
    return EXCLUDED_MCCS.get(mcc.strip(), "")
