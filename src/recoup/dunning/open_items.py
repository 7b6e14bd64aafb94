"""The open items of a day now live in the ledger (`recoup.ledger.open_items`), below both
dunning and placements, which read them alike."""

from recoup.ledger.open_items import OpenItems, open_items_on

__all__ = ["OpenItems", "open_items_on"]
