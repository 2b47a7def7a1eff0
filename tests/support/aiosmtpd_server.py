"""An SMTP server with STARTTLS for the tests, from aiosmtpd (written elsewhere,
unlike tests/support/smtp.rs): on 127.0.0.1, on a port the system picks, which
it prints once it accepts connections. It requires STARTTLS before anything
else and authentication before a message, and accepts one user. Each message
is parsed by Python's own `email` package and written to the folder given, as
NNN.json (envelope, TLS, the user, the headers, each part decoded) beside
NNN.eml (the message as received). It stops when its standard input closes, so
that it never outlives the test that started it.

Usage: aiosmtpd_server.py FOLDER USER PASSWORD CERT KEY
"""

import asyncio
import email
import email.policy
import json
import os
import pathlib
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Keep:
    """Writes every message it receives into the folder."""

    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = self.folder / f"{self.count:03d}"
        raw = envelope.original_content
        base.with_suffix(".eml").write_bytes(raw)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts = []
        for part in message.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True) or b""
            parts.append(
                {
                    "content_type": part.get_content_type(),
                    "filename": part.get_filename(),
                    "attachment": part.get_content_disposition() == "attachment",
                    "text": payload.decode(part.get_content_charset() or "utf-8"),
                }
            )
        facts = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "user": session.auth_data,
            "subject": str(message["Subject"]),
            "from": str(message["From"]),
            "to": str(message["To"]),
            "parts": parts,
        }
        # The .json last and by renaming: once it is there, all is written.
        tmp = base.with_suffix(".tmp")
        tmp.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, base.with_suffix(".json"))
        return "250 Message accepted for delivery"


def main():
    folder, user, password, cert, key = sys.argv[1:6]

    def authenticator(server, session, envelope, mechanism, auth_data):
        if (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        ):
            return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False)

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = Keep(folder)

    def smtp():
        # A fixed host name: the default looks the machine's name up in DNS.
        return SMTP(
            handler,
            hostname="localhost",
            tls_context=context,
            require_starttls=True,
            auth_required=True,
            auth_require_tls=True,
            authenticator=authenticator,
        )

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(smtp, host="127.0.0.1", port=0))
    print(server.sockets[0].getsockname()[1], flush=True)

    def stop_with_the_test():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=stop_with_the_test, daemon=True).start()
    loop.run_forever()


if __name__ == "__main__":
    main()
