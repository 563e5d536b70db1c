"""E-mail over SMTP. Errors become reason codes: aiosmtplib's exceptions quote the
recipient's address, so none of their text is kept or logged."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from peerlink_notifications.domain.delivery import (
    AttemptOutcome,
    Delivery,
    Failure,
    Sent,
    classify_smtp_reply,
)

MESSAGE_ID_DOMAIN = "notifications.peerlink"


def message_id_header(delivery_id: str) -> str:
    """Stable per delivery, so a receiver can drop a resent copy by its Message-ID."""
    return f"<{delivery_id}@{MESSAGE_ID_DOMAIN}>"


class SmtpTransport:
    def __init__(self, *, host: str, port: int, sender: str, timeout: float) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._timeout = timeout

    async def send(self, delivery: Delivery, address: str) -> AttemptOutcome:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = address
        message["Subject"] = delivery.subject
        message["Message-ID"] = message_id_header(delivery.delivery_id)
        message["Content-Language"] = delivery.locale
        # Our own header as well: some relays rewrite Message-ID.
        message["X-PeerLink-Delivery"] = delivery.delivery_id
        message.set_content(delivery.text)
        try:
            await aiosmtplib.send(
                message, hostname=self._host, port=self._port, timeout=self._timeout
            )
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
            return Failure("smtp_unreachable", permanent=False)
        return Sent()
