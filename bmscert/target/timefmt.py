"""The three time formats the documents use, from epoch seconds (UTC)."""

from datetime import UTC, datetime


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def seconds_z(epoch: float) -> str:
    """Server ``created``/``updated``: 2019-05-22T03:30:52Z."""
    return _utc(epoch).strftime("%Y-%m-%dT%H:%M:%SZ")


def micros_no_zone(epoch: float) -> str:
    """``OS-SRV-USG:launched_at``: 2018-09-06T09:30:36.000000, UTC without a zone."""
    return _utc(epoch).strftime("%Y-%m-%dT%H:%M:%S.%f")


def millis_z(epoch: float) -> str:
    """Job ``begin_time``/``end_time``: 2019-04-25T20:04:47.591Z."""
    moment = _utc(epoch)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
