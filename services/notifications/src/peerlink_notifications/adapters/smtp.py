"""E-mail over SMTP. Errors become reason codes: aiosmtplib's exceptions quote the
recipient's address, so none of their text is kept or logged.

`starttls` and `implicit` require TLS: a relay that cannot speak it fails the attempt
before anything, a password least of all, is sent. Credentials are only ever configured
with one of them (the settings refuse otherwise, and so does this transport).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal, assert_never

import aiosmtplib

from peerlink_notifications.domain.delivery import (
    AttemptOutcome,
    Delivery,
    Destination,
    Failure,
    Sent,
    classify_smtp_reply,
)

MESSAGE_ID_DOMAIN = "notifications.peerlink"
# opportunistic: STARTTLS when the relay offers it (a local relay); starttls: STARTTLS or
# no send; implicit: TLS from the first byte (port 465).
SmtpTls = Literal["opportunistic", "starttls", "implicit"]


def message_id_header(delivery_id: str) -> str:
    """Stable per delivery, so a receiver can drop a resent copy by its Message-ID."""
    return f"<{delivery_id}@{MESSAGE_ID_DOMAIN}>"


@dataclass(frozen=True)
class SmtpRelay:
    host: str
    port: int
    sender: str
    tls: SmtpTls = "opportunistic"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls_context: ssl.SSLContext | None = None  # None: the system's trusted CAs

    def __post_init__(self) -> None:
        if (self.username or self.password) and self.tls == "opportunistic":
            raise ValueError("SMTP credentials need required TLS (starttls or implicit)")

    def tls_options(self) -> tuple[bool, bool | None]:
        """aiosmtplib's (use_tls, start_tls) for this relay's TLS mode."""
        match self.tls:
            case "opportunistic":
                return False, None
            case "starttls":
                return False, True
            case "implicit":
                return True, False
            case _:
                assert_never(self.tls)


class SmtpTransport:
    def __init__(self, *, relay: SmtpRelay, timeout: float) -> None:
        self._relay = relay
        self._timeout = timeout

    async def send(self, delivery: Delivery, destination: Destination) -> AttemptOutcome:
        relay = self._relay
        message = EmailMessage()
        message["From"] = relay.sender
        message["To"] = destination.address
        message["Subject"] = delivery.subject
        message["Message-ID"] = message_id_header(delivery.delivery_id)
        message["Content-Language"] = delivery.locale
        # Our own header as well: some relays rewrite Message-ID.
        message["X-PeerLink-Delivery"] = delivery.delivery_id
        message.set_content(delivery.text)
        use_tls, start_tls = relay.tls_options()
        try:
            await aiosmtplib.send(
                message,
                hostname=relay.host,
                port=relay.port,
                timeout=self._timeout,
                use_tls=use_tls,
                start_tls=start_tls,
                tls_context=relay.tls_context,
                username=relay.username,
                password=relay.password,
            )
        except aiosmtplib.SMTPAuthenticationError:
            # Our relay refused our credentials: ours to fix, not the recipient's fault.
            return Failure("smtp_auth_failed", permanent=False)
        except aiosmtplib.SMTPRecipientsRefused as refused:
            codes = [recipient.code for recipient in refused.recipients]
            return classify_smtp_reply(max(codes, default=550))
        except aiosmtplib.SMTPResponseException as error:
            return classify_smtp_reply(error.code)
        except aiosmtplib.SMTPTimeoutError:
            return Failure("smtp_timeout", permanent=False)
        except aiosmtplib.SMTPNotSupported:
            # e.g. an internationalised address the server cannot take: trying again won't help
            return Failure("smtp_not_supported", permanent=True)
        except (aiosmtplib.SMTPException, OSError):
            # A relay that would not start TLS lands here too, before any credential is sent.
            return Failure("smtp_unreachable", permanent=False)
        return Sent()
