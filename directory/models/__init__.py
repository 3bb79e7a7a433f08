from .structure import STALE_AFTER, Offer, Permanence, Structure
from .territory import (
    KIND_NARROWNESS,
    PostalCode,
    ReferentialVersion,
    Territory,
    TerritoryKind,
    TerritoryLink,
    UnknownTerritoryCode,
)
from .vocabulary import (
    Fee,
    Instrument,
    LegalForm,
    Mode,
    Network,
    OfferType,
    PublicationStatus,
    StructureRole,
)

__all__ = [
    "KIND_NARROWNESS",
    "STALE_AFTER",
    "Fee",
    "Instrument",
    "LegalForm",
    "Mode",
    "Network",
    "Offer",
    "OfferType",
    "Permanence",
    "PostalCode",
    "PublicationStatus",
    "ReferentialVersion",
    "Structure",
    "StructureRole",
    "Territory",
    "TerritoryKind",
    "TerritoryLink",
    "UnknownTerritoryCode",
]
