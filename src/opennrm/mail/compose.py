"""The notification e-mail: the same few words for everyone, in fi, sv or en.

What is deliberately left out: the recipient's name, the notification's text and kind,
any record id or link to a record. Mail passes through servers outside the deployment's
control and stays in mailboxes for years; a link to the notifications page lets the
user read the rest after signing in, where access is checked and audited.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import NamedTuple

from opennrm.db import utcnow


class Texts(NamedTuple):
    subject: str
    line: str
    sign_in: str
    automatic: str


TEXTS = {
    "fi": Texts(
        subject="Uusi viesti OpenNRM:ssä",
        line="Sinulle on uusi viesti OpenNRM:ssä.",
        sign_in="Kirjaudu sisään lukeaksesi sen:",
        automatic="Tämä on automaattinen viesti; älä vastaa siihen.",
    ),
    "sv": Texts(
        subject="Nytt meddelande i OpenNRM",
        line="Du har ett nytt meddelande i OpenNRM.",
        sign_in="Logga in för att läsa det:",
        automatic="Detta är ett automatiskt meddelande; svara inte på det.",
    ),
    "en": Texts(
        subject="New message in OpenNRM",
        line="You have a new message in OpenNRM.",
        sign_in="Sign in to read it:",
        automatic="This is an automatic message; please do not reply.",
    ),
}
LOCALES = tuple(TEXTS)


def compose(*, to: str, locale: str, public_url: str, mail_from: str) -> EmailMessage:
    """The e-mail telling `to` that a notification waits; English for an unknown locale."""
    texts = TEXTS.get(locale) or TEXTS["en"]
    language = locale if locale in TEXTS else "en"
    link = f"{public_url.rstrip('/')}/notifications"
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = to
    message["Subject"] = texts.subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=_domain(mail_from))
    message["Content-Language"] = language
    # RFC 3834: out-of-office and other auto-responders must not answer this.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(f"{texts.line}\n\n{texts.sign_in}\n{link}\n\n-- \n{texts.automatic}\n")
    return message


def _domain(mail_from: str) -> str:
    address = parseaddr(mail_from)[1]
    return address.rpartition("@")[2] or "opennrm.invalid"
