"""The processing engine: steps from the item's flow, countersign modes and step operations."""


def steps_start(*, case, at, actor):
    """Activate the first processing step of an accepted case (called inside the acceptance transaction)."""
    return None
