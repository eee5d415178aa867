#!/usr/bin/env python3
"""A receiver that verifies Ringback's deliveries with the public `standardwebhooks` package.

    pip install standardwebhooks
    scripts/standardwebhooks-receiver.py PORT WHSEC_SECRET

It answers 204 to a delivery whose signature verifies, 400 otherwise, and prints one line each.
"""
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks.webhooks import Webhook

port, secret = int(sys.argv[1]), sys.argv[2]
verifier = Webhook(secret)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        try:
            payload = verifier.verify(body, dict(self.headers))
            print("verified", self.headers["webhook-id"], payload["type"], flush=True)
            self.send_response(204)
        except Exception as error:  # noqa: BLE001 - report any verification failure
            print("REJECTED", self.headers.get("webhook-id"), error, flush=True)
            self.send_response(400)
        self.end_headers()

    do_PUT = do_POST

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", port), Handler).serve_forever()
