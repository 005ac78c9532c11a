"""Accounts: registration, sign-in, passwords."""
