"""E-mail that carries no personal data: a generic line and a link to sign in.

`compose` builds the message in the recipient's language; `send` hands it to an SMTP
server with the standard library's `smtplib`. Delivery is driven by the outbox
(`opennrm.notifications.outbox`), never from a request.
"""

from opennrm.mail.compose import LOCALES, compose
from opennrm.mail.smtp import SmtpSettings, send

__all__ = ["LOCALES", "SmtpSettings", "compose", "send"]
