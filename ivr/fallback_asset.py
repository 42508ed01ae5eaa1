"""The fallback TwiML, published on Twilio's own servers, so that it answers when the line cannot.

Twilio requests a number's fallback URL "in the event of a fatal error while executing your call"
and suggests pointing it at "a Studio Flow, TwiML Bin, Twilio Function, or Proxy Service"
(https://www.twilio.com/docs/usage/security/availability-reliability). TwiML Bins can be made in
the Console only: Twilio's REST API has no resource for them. What the API does offer is the
Serverless one: a public Asset "is publicly accessible on the internet at a specific URL once
deployed" and "served over HTTPS from the Twilio CDN"
(https://www.twilio.com/docs/serverless/functions-assets/visibility, .../assets). So this makes
(or reuses) a Serverless service of the account, uploads the fallback TwiML as a public Asset
(an Asset Version: uploaded to serverless-upload.twilio.com as multipart form data, which twilio's
helper library does not offer), builds it and deploys it to an environment, and returns the URL
to set as the number's fallback, fetched with GET (a static file).
"""
from __future__ import annotations

import json
import secrets
import time

from twilio.rest import Client

SERVICE = "cse-line-fallback"      # the Serverless service's unique name in the account
ENVIRONMENT = "live"
PATH = "/fallback.xml"
UPLOAD = "https://serverless-upload.twilio.com/v1/Services/{service}/Assets/{asset}/Versions"
BUILD_WAIT_SECONDS = 120


class PublishError(Exception):
    """The fallback could not be published, in one line."""


def publish(client: Client, twiml: str, wait=time.sleep) -> str:
    """Publish ``twiml`` as a public Asset and deploy it; returns the URL it is served at."""
    serverless = client.serverless.v1
    service = next((s for s in serverless.services.list(limit=100) if s.unique_name == SERVICE), None) \
        or serverless.services.create(unique_name=SERVICE, friendly_name="CSE information line: fallback TwiML")
    asset = serverless.services(service.sid).assets.create(friendly_name="fallback TwiML")
    version = upload(client, service.sid, asset.sid, twiml)
    build = serverless.services(service.sid).builds.create(asset_versions=[version])
    waited = 0
    while True:
        status = serverless.services(service.sid).builds(build.sid).build_status().fetch().status
        if status == "completed":
            break
        if status == "failed" or waited >= BUILD_WAIT_SECONDS:
            raise PublishError(f"Twilio's build of the fallback {status or 'did not finish'} (service {service.sid})")
        wait(2)
        waited += 2
    environment = next((e for e in serverless.services(service.sid).environments.list(limit=20)
                        if e.unique_name == ENVIRONMENT), None) \
        or serverless.services(service.sid).environments.create(unique_name=ENVIRONMENT, domain_suffix=ENVIRONMENT)
    serverless.services(service.sid).environments(environment.sid).deployments.create(build_sid=build.sid)
    return f"https://{environment.domain_name}{PATH}"


def upload(client: Client, service: str, asset: str, twiml: str) -> str:
    """An Asset Version holding ``twiml``: public, at PATH, served as text/xml. Returns its SID."""
    boundary = "ivr-" + secrets.token_hex(12)
    parts = [(b'Content-Disposition: form-data; name="Path"', PATH.encode()),
             (b'Content-Disposition: form-data; name="Visibility"', b"public"),
             (b'Content-Disposition: form-data; name="Content"; filename="fallback.xml"\r\nContent-Type: text/xml',
              twiml.encode())]
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + head + b"\r\n\r\n" + content + b"\r\n"
                    for head, content in parts) + b"--" + boundary.encode() + b"--\r\n"
    response = client.request("POST", UPLOAD.format(service=service, asset=asset), data=body,
                              headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    if not 200 <= response.status_code < 300:
        raise PublishError(f"Twilio refused the fallback's upload (HTTP {response.status_code})")
    return json.loads(response.text)["sid"]
