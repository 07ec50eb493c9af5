"""Privacy (AVG/GDPR): the consent log, export, erasure and retention of personal data."""

from models.privacy.consent import ConsentEvent, answer_notice, consent_log
from models.privacy.erase import Erased, erase_person
from models.privacy.export import personal_rows, to_json
from models.privacy.retention import Purged, purge_expired

__all__ = [
    "ConsentEvent",
    "Erased",
    "Purged",
    "answer_notice",
    "consent_log",
    "erase_person",
    "personal_rows",
    "purge_expired",
    "to_json",
]
