"""helpdesk: a self-hosted help center and help desk.

`create_app` lives in `helpdesk.app`, which imports every layer; it is loaded on first use
so that importing a low module (`helpdesk.models`) does not load the whole application.
"""


def __getattr__(name):
    if name == "create_app":
        from .app import create_app
        return create_app
    raise AttributeError(name)
