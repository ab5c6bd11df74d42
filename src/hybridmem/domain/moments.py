"""Points in time every layer can hold: aware, and within years 1-9999 once in UTC.

Python datetimes span years 1-9999 in their *local* time, so ``9999-12-31T23:59:59-14:00``
is a valid datetime whose UTC time is in year 10000. PostgreSQL stores that happily
(timestamptz reaches year 294276), but psycopg can never load it back into a datetime,
so one such row used to break every later read of the user's memory. The rule here is
the intersection of what Python and PostgreSQL can both represent, measured in UTC, and
it is applied wherever a time enters (the HTTP schemas, the library, the domain types).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hybridmem.domain.errors import InvalidInput

EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)
RANGE_RULE = "between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z in UTC"


def is_aware(moment: datetime) -> bool:
    """Whether ``moment`` carries a UTC offset."""
    return moment.tzinfo is not None and moment.tzinfo.utcoffset(moment) is not None


def is_representable(moment: datetime) -> bool:
    """Whether ``moment`` (aware) converts to UTC without leaving years 1-9999."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return True


def require_moment(moment: datetime, *, field_name: str) -> datetime:
    """Return ``moment`` when it is aware and representable in UTC, else InvalidInput."""
    if not is_aware(moment):
        raise InvalidInput(f"{field_name} must be timezone-aware", details={"field": field_name})
    if not is_representable(moment):
        raise InvalidInput(f"{field_name} must be {RANGE_RULE}", details={"field": field_name})
    return moment


def earlier_by(moment: datetime, delta: timedelta) -> datetime:
    """``moment - delta``, stopping at :data:`EARLIEST` instead of overflowing (a phrase such
    as "999 decades ago" said in year 2000 reaches before year 1)."""
    try:
        earlier = moment - delta
        earlier.astimezone(UTC)
    except OverflowError:
        return EARLIEST
    return earlier
