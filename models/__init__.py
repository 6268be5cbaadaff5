"""Persistence: SQLAlchemy 2 typed models, one file per aggregate. Importing this package registers
every table on `Base.metadata` (Alembic's autogenerate target)."""

from models.approval import ApprovalStep, Delegation
from models.audit import AuditEvent, AuditHead
from models.base import Base, utcnow
from models.evidence import EvidenceBlob
from models.faq import FaqEntry, FaqQuery, FaqRevision
from models.faq_vector import FaqTextVector, FaqTextWords
from models.home_viewer import HomeViewer
from models.installation import slack_bots, slack_installations, slack_oauth_states
from models.job import JobRun
from models.journal import JournalExport
from models.outbox import LaneThrottle, OutboxMessage, SlackMessageRef
from models.receipt import ReceiptCounterparty, ReceiptFile, ReceiptHold, ReceiptRecord
from models.reminder import ReminderLog
from models.slack_event import ProcessedEvent
from models.ticket import DepartmentCounter, Ticket
from models.user_profile import UserProfile
from models.workflow import WorkflowRun

__all__ = [
    "ApprovalStep",
    "AuditEvent",
    "AuditHead",
    "Base",
    "Delegation",
    "DepartmentCounter",
    "EvidenceBlob",
    "FaqEntry",
    "FaqQuery",
    "FaqRevision",
    "FaqTextVector",
    "FaqTextWords",
    "HomeViewer",
    "JobRun",
    "JournalExport",
    "LaneThrottle",
    "OutboxMessage",
    "ProcessedEvent",
    "ReceiptCounterparty",
    "ReceiptFile",
    "ReceiptHold",
    "ReceiptRecord",
    "ReminderLog",
    "SlackMessageRef",
    "Ticket",
    "UserProfile",
    "WorkflowRun",
    "slack_bots",
    "slack_installations",
    "slack_oauth_states",
    "utcnow",
]
