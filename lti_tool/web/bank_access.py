"""The item bank the running tool delivers: loaded once per app from BANK_PATH (or the embedded bank)."""

from __future__ import annotations

from flask import Flask, current_app

from item_bank.load import default_bank_path, load_bank
from item_bank.model import Bank, Form

EXTENSION = "cps_bank"


def bank_of(app: Flask) -> Bank:
    """The app's bank; a bank that does not load raises `BankError` listing every problem."""
    bank = app.extensions.get(EXTENSION)
    if bank is None:
        bank = load_bank(app.config.get("BANK_PATH") or default_bank_path())
        app.extensions[EXTENSION] = bank
    return bank


def current_bank() -> Bank:
    return bank_of(current_app)


def find_form(form_id: str | None) -> Form | None:
    """The bank's form with this id, or None (a link whose form was removed from the bank)."""
    if not form_id:
        return None
    try:
        return current_bank().form(form_id)
    except KeyError:
        return None
