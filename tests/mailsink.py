"""A real SMTP server for tests (aiosmtpd) and a free-port helper."""


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts."""

    def __init__(self, port=None):
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.envelopes = []
        self._controller = None

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def start(self):
        from aiosmtpd.controller import Controller
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self):
        """The accepted mail, parsed with the modern email policy."""
        import email
        import email.policy
        return [email.message_from_bytes(e.original_content or e.content,
                                         policy=email.policy.default) for e in self.envelopes]

    def config(self):
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port}
