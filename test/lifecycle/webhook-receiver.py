"""A loopback webhook receiver for the tests: verifies every POST with the README's `verify_webhook`.

argv[1]: a file holding the README's Python verifier, run as is. WEBHOOK_SECRETS: comma-separated whsec_ secrets.
Prints {"port": N} once listening, then one JSON line per request; answers 204 when verified, else 401.
"""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

with open(sys.argv[1], encoding="utf-8") as snippet:
    exec(snippet.read())  # defines verify_webhook

SECRETS = os.environ["WEBHOOK_SECRETS"].split(",")


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {name.lower(): value for name, value in self.headers.items()}
        verified = verify_webhook(SECRETS, headers, body)  # noqa: F821 (from the snippet)
        print(json.dumps({"id": headers.get("webhook-id"), "verified": verified}), flush=True)
        self.send_response(204 if verified else 401)
        self.end_headers()

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
print(json.dumps({"port": server.server_address[1]}), flush=True)
server.serve_forever()
