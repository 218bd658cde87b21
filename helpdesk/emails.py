"""One way to write an email address: trimmed and lower-cased, as every stored address is
and every look-up compares. (Checking that an address is valid is the forms' and inbound
mail's job; this only makes two spellings of one address equal.)"""


def normalize_email(value):
    return (value or "").strip().lower()
