"""An FTP or explicit-FTPS server for the tests, from pyftpdlib (written
elsewhere, unlike tests/support/ftp.rs): it serves one folder to one user on
127.0.0.1, on a port the system picks, and prints that port once it accepts
connections. It stops when its standard input closes, so that it never outlives
the test that started it, however that test ends.

Usage: pyftpdlib_server.py ROOT USER PASSWORD [CERT KEY]
With CERT and KEY (PEM files), the server requires TLS (AUTH TLS) on the
control connection and on every data connection.
"""

import os
import sys
import threading

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
from pyftpdlib.servers import FTPServer


def main():
    root, user, password = sys.argv[1:4]
    tls = sys.argv[4:6]
    authorizer = DummyAuthorizer()
    # Every right on the folder: list, read, write, delete, rename, mkdir.
    authorizer.add_user(user, password, root, perm="elradfmwMT")
    if tls:
        handler = TLS_FTPHandler
        handler.certfile, handler.keyfile = tls
        handler.tls_control_required = True
        handler.tls_data_required = True
    else:
        handler = FTPHandler
    handler.authorizer = authorizer
    server = FTPServer(("127.0.0.1", 0), handler)
    print(server.socket.getsockname()[1], flush=True)

    def stop_with_the_test():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=stop_with_the_test, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
