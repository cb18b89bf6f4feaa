"""TOTP (RFC 6238) with single use: a code's time step must be later than the last one."""

from __future__ import annotations

import hmac
import time

import pyotp

ISSUER = "OpenNRM"
STEP_SECONDS = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def accept(secret: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    """Return the time step the code belongs to, or None if it is wrong or already used.

    One step of clock drift either way is tolerated.
    """
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    t = time.time() if now is None else now
    totp = pyotp.TOTP(secret)
    current = int(t // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            if last_step is not None and step <= last_step:
                return None
            return step
    return None
