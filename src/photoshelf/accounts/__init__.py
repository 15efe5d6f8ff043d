"""Accounts: who may do what (permissions.py), API tokens, first-run setup, sign in and out."""
