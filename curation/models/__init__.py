"""What curation stores: history, submissions, edits to review, update campaigns, imports, merges, link checks."""

from . import history  # noqa: F401 (registers the history of structures and offers)
from .links import BROKEN_AFTER, LinkCheck, LinkOutcome
from .moderation import (
    DuplicateDismissal,
    EditReview,
    ImportBatch,
    ImportStatus,
    ReviewStatus,
    StructureMerge,
    Submission,
    SubmissionKind,
    UpdateCampaign,
    UpdateOutcome,
    UpdateRequest,
)

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
