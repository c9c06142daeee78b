"""SMS through a pluggable gateway (``settings.SMS_BACKEND``).

``LogBackend`` (the default) only writes a log line: nothing leaves the server until a provider is
configured. ``HttpBackend`` posts JSON ``{"to": ..., "text": ...}`` to ``SMS_GATEWAY_URL`` with
``Authorization: Bearer <SMS_GATEWAY_KEY>``; any answer but 2xx is a failure.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    pass


class LogBackend:
    def send(self, to: str, text: str) -> None:
        # The number stays out of the log: its last digits tell two messages apart.
        logger.info("SMS to ...%s (%d characters) not sent: log-only gateway", to[-3:], len(text))


class HttpBackend:
    def __init__(self) -> None:
        self.url = settings.SMS_GATEWAY_URL
        self.key = settings.SMS_GATEWAY_KEY
        self.timeout = settings.SMS_GATEWAY_TIMEOUT

    def send(self, to: str, text: str) -> None:
        if not self.url:
            raise SmsError("SMS_GATEWAY_URL is not set")
        body = json.dumps({"to": to, "text": text}).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": "Bearer {}".format(self.key)},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (URL from settings)
                status = response.status
        except urllib.error.HTTPError as exc:
            raise SmsError("gateway answered {}".format(exc.code)) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise SmsError("gateway unreachable: {}".format(exc)) from exc
        if not 200 <= status < 300:
            raise SmsError("gateway answered {}".format(status))


def backend():
    return import_string(settings.SMS_BACKEND)()
