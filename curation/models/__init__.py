"""What curation stores: history, submissions, edits to review, update campaigns, imports, merges, link checks."""

from . import history  # noqa: F401 (registers the history of structures and offers)
from .campaigns import UpdateCampaign, UpdateOutcome, UpdateRequest
from .imports import ImportBatch, ImportStatus
from .links import BROKEN_AFTER, LinkCheck, LinkOutcome
from .merges import DuplicateDismissal, StructureMerge
from .moderation import EditReview, ReviewStatus, Submission, SubmissionKind

__all__ = [
    "BROKEN_AFTER",
    "DuplicateDismissal",
    "EditReview",
    "ImportBatch",
    "ImportStatus",
    "LinkCheck",
    "LinkOutcome",
    "ReviewStatus",
    "StructureMerge",
    "Submission",
    "SubmissionKind",
    "UpdateCampaign",
    "UpdateOutcome",
    "UpdateRequest",
]
