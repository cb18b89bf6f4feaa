"""The append-only, hash-chained audit trail of every access to personal data."""

from opennrm.audit.chain import GENESIS_HASH, VerifyResult, entry_hash, verify_entries
from opennrm.audit.trail import AuditEntry, record

__all__ = ["GENESIS_HASH", "AuditEntry", "VerifyResult", "entry_hash", "record", "verify_entries"]
