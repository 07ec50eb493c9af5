"""Retention: personal data goes a set time after it stopped being needed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.conversations import ConversationState, FlowData
from models.help_requests import ACTIVE, Feedback, HelpRequest, RequestCard
from models.help_requests.dispatch import RequestNote
from models.infopoints import InfoPointReport
from models.outbox import Kind, OutboxMessage
from models.outbox import Status as OutboxStatus
from models.privacy.erase import anonymise_request

# Requests anonymised per run; the next run does the rest (a job stays short).
BATCH = 500


@dataclass(frozen=True)
class Purged:
    """How much each purge removed."""

    requests: int = 0
    outbox: int = 0
    flows: int = 0
    reports: int = 0

    @property
    def total(self) -> int:
        """Return the number of rows changed or removed."""
        return self.requests + self.outbox + self.flows + self.reports


def _personal(request: type[HelpRequest]) -> object:
    """Match requests that still hold something personal."""
    return or_(
        request.description != "",
        request.requester_id.is_not(None),
        request.filed_by_id.is_not(None),
        request.helper_id.is_not(None),
        request.contact_phone.is_not(None),
        request.behalf_name.is_not(None),
        request.behalf_phone.is_not(None),
        request.code_word.is_not(None),
    )


async def anonymise_closed_requests(session: AsyncSession, *, before: datetime) -> int:
    """Anonymise requests closed before a moment; their group cards lose the description."""
    requests = list(
        await session.scalars(
            select(HelpRequest)
            .where(
                HelpRequest.status.not_in(ACTIVE),
                HelpRequest.closed_at < before,
                _personal(HelpRequest),
            )
            .order_by(HelpRequest.id)
            .limit(BATCH)
        )
    )
    for request in requests:
        anonymise_request(request)
        # Internal notes are about the people of the request: history now, like its text.
        await session.execute(delete(RequestNote).where(RequestNote.request_id == request.id))
        await session.execute(
            update(Feedback)
            .where(Feedback.request_id == request.id)
            .values(person_id=None, comment=None)
        )
        # Messages about the request (introductions carry names and numbers) are history now.
        await session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.request_id == request.id, OutboxMessage.kind != Kind.CARD_EDIT
            )
        )
        has_cards = await session.scalar(
            select(exists().where(RequestCard.request_id == request.id))
        )
        if has_cards and not await outbox.edit_pending(
            session, Kind.CARD_EDIT, request_id=request.id
        ):
            await outbox.enqueue(
                session, kind=Kind.CARD_EDIT, chat_id=0, request_id=request.id, now=before
            )
    return len(requests)


async def purge_expired(
    session: AsyncSession, *, now: datetime, retention_days: int, outbox_days: int
) -> Purged:
    """Anonymise old closed requests and delete old deliveries, flows and handled reports."""
    cutoff = now - timedelta(days=retention_days)
    requests = await anonymise_closed_requests(session, before=cutoff)
    delivered = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status.in_(
                (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.CANCELLED)
            ),
            OutboxMessage.created_at < now - timedelta(days=outbox_days),
        )
    )
    flows = 0
    for table in (FlowData, ConversationState):
        result = await session.execute(delete(table).where(table.updated_at < cutoff))
        flows += int(result.rowcount or 0)
    reports = await session.execute(
        delete(InfoPointReport).where(
            InfoPointReport.handled_at.is_not(None), InfoPointReport.handled_at < cutoff
        )
    )
    return Purged(
        requests=requests,
        outbox=int(delivered.rowcount or 0),
        flows=flows,
        reports=int(reports.rowcount or 0),
    )
