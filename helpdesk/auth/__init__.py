"""Accounts: sign-in by emailed link or password, registration, verification, reset.

Routes: /login, /logout, /register, /reset, plus the pages emailed
links open (/login/link, /register/verify, /reset/confirm, /account/email/confirm) and
/account.
"""
