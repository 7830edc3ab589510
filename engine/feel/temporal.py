"""FEEL time and date-and-time values (DMN 1.5, 10.3.2.3.4-5), with offsets and zone ids.

| FEEL type     | Python                                                            |
|---------------|-------------------------------------------------------------------|
| time          | Time(hour, minute, second: Decimal, offset, zone)                 |
| date and time | DateTime(date, hour, minute, second: Decimal, offset, zone)       |

`second` is a Decimal so that nine (or more) fractional digits survive (11:22:33.123456789);
`offset` is seconds east of UTC or None (a local value); `zone` an IANA id such as
Europe/Paris (its offset then follows from the zone's rules at the value's date).

A local value is never silently taken as UTC or as the machine's zone (results must not depend on
where they run): subtracting a local value and an offset one gives null, and ordering them gives the
local one the other's offset (DMN 1.5, Table 69; ops.compare).
"""
from __future__ import annotations

import datetime as _dt
import re
from decimal import ROUND_HALF_EVEN, Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from functools import lru_cache

from ..record import Frozen

# decimal128, as FEEL requires (DMN 1.5, 10.3.2.3.1); traps turn overflow, 1/0 and invalid operations
# into exceptions, which the evaluator reports as null + diagnostic. A time's and a date and time's
# seconds are computed with its methods too, so they hold 34 digits whatever the caller's context.
FEEL_CONTEXT = Context(prec=34, rounding=ROUND_HALF_EVEN, Emax=6144, Emin=-6143,
                       traps=[InvalidOperation, DivisionByZero, Overflow])
_C = FEEL_CONTEXT
_DAY = 86400
MAX_OFFSET = 14 * 3600          # DMN 1.5 Table 81 and XML Schema dateTime: offsets lie within -14:00..+14:00


@lru_cache(maxsize=256)
def zone_info(name: str):
    """The IANA zone `name`, or None when the time-zone database does not know it."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*", name or ""):
        return None
    try:
        from zoneinfo import ZoneInfo
        return ZoneInfo(name)
    except Exception:       # unknown zone, or no database: the value cannot be made
        return None


def zone_offset(zone: str, date: _dt.date, hour: int, minute: int, second: int) -> int | None:
    """Seconds east of UTC that `zone` applies to that local date and time (the earlier one of
    an ambiguous hour), or None for an unknown zone."""
    tz = zone_info(zone)
    if tz is None:
        return None
    try:
        local = _dt.datetime(date.year, date.month, date.day, hour, minute, second, tzinfo=tz)
        return int(local.utcoffset().total_seconds())
    except (ValueError, OverflowError):
        return None


# A zone id's offset for a time without a date: its rules on this fixed day (never "today").
_REFERENCE_DATE = _dt.date(1970, 1, 1)


def _second_text(second: Decimal) -> str:
    # the digits after the point as written (no subtraction: exact whatever the decimal context)
    _, _, frac = format(second, "f").partition(".")
    frac = frac.rstrip("0")
    return f"{int(second):02d}" + ("." + frac if frac else "")


def offset_text(offset: int) -> str:
    if offset == 0:
        return "Z"
    sign = "+" if offset > 0 else "-"
    h, rest = divmod(abs(offset), 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


class Time(Frozen):
    __slots__ = __match_args__ = ("hour", "minute", "second", "offset", "zone")

    def __init__(self, hour: int, minute: int, second: Decimal, offset: int | None = None, zone: str | None = None):
        object.__setattr__(self, "hour", hour)
        object.__setattr__(self, "minute", minute)
        object.__setattr__(self, "second", second)
        object.__setattr__(self, "offset", offset)
        object.__setattr__(self, "zone", zone)

    def effective_offset(self) -> int | None:
        if self.zone is not None:
            return zone_offset(self.zone, _REFERENCE_DATE, self.hour, self.minute, int(self.second))
        return self.offset

    def seconds(self) -> Decimal:
        """Seconds since midnight, local."""
        return _C.add(self.hour * 3600 + self.minute * 60, self.second)

    def instant(self) -> Decimal:
        """Seconds since midnight UTC (for a local time: since local midnight), within a day."""
        off = self.effective_offset()
        return _mod_day(_C.subtract(self.seconds(), off or 0))

    def __str__(self) -> str:
        out = f"{self.hour:02d}:{self.minute:02d}:{_second_text(self.second)}"
        if self.zone is not None:
            return out + "@" + self.zone
        if self.offset is not None:
            return out + offset_text(self.offset)
        return out


class DateTime(Frozen):
    __slots__ = __match_args__ = ("date", "hour", "minute", "second", "offset", "zone")

    def __init__(self, date: _dt.date, hour: int, minute: int, second: Decimal, offset: int | None = None,
                 zone: str | None = None):
        object.__setattr__(self, "date", date)
        object.__setattr__(self, "hour", hour)
        object.__setattr__(self, "minute", minute)
        object.__setattr__(self, "second", second)
        object.__setattr__(self, "offset", offset)
        object.__setattr__(self, "zone", zone)

    @property
    def time(self) -> Time:
        return Time(self.hour, self.minute, self.second, self.offset, self.zone)

    def effective_offset(self) -> int | None:
        if self.zone is not None:
            return zone_offset(self.zone, self.date, self.hour, self.minute, int(self.second))
        return self.offset

    def local_seconds(self) -> Decimal:
        """Seconds from 0001-01-01T00:00:00 to this value's local wall time."""
        return _C.add((self.date.toordinal() - 1) * _DAY + self.hour * 3600 + self.minute * 60, self.second)

    def instant(self) -> Decimal:
        """Seconds since 0001-01-01T00:00:00Z (a local value: its wall time as written)."""
        return _C.subtract(self.local_seconds(), self.effective_offset() or 0)

    def has_offset(self) -> bool:
        return self.offset is not None or self.zone is not None

    def __str__(self) -> str:
        t = self.time
        return f"{self.date.isoformat()}T{t}"


def comparable(a, b) -> bool:
    """Whether two times, or two date-and-times, can be ordered and subtracted."""
    ha = a.offset is not None or a.zone is not None
    hb = b.offset is not None or b.zone is not None
    return ha == hb


# ------------------------------------------------------------------ parsing

_TIME_RE = re.compile(
    r"(\d{2}):(\d{2}):(\d{2})(\.\d+)?"
    r"(?:(Z)|([+-])(\d{2}):(\d{2})(?::(\d{2}))?|@([^@\s]+))?\Z")
_DATE_PART = r"(-?(?:[1-9]\d{4,8}|\d{4}))-(\d{2})-(\d{2})"


def _time_fields(m):
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3))
    frac = Decimal(m.group(4)) if m.group(4) else Decimal(0)
    if h > 24 or mi > 59 or s > 59 or (h == 24 and (mi or s or frac)):
        return None
    offset = zone = None
    if m.group(5):
        offset = 0
    elif m.group(6):
        offset = int(m.group(7)) * 3600 + int(m.group(8)) * 60 + int(m.group(9) or 0)
        if int(m.group(8)) > 59 or offset > MAX_OFFSET:
            return None
        offset = -offset if m.group(6) == "-" else offset
    elif m.group(10):
        zone = m.group(10)
        if zone_info(zone) is None:
            return None
    return h, mi, _C.add(s, frac), offset, zone


def parse_time(text: str) -> Time | None:
    """hh:mm:ss[.f+][Z|±hh:mm|@Zone/Id], or None. 24:00:00 is midnight."""
    m = _TIME_RE.match(text)
    if not m:
        return None
    f = _time_fields(m)
    if f is None:
        return None
    h, mi, s, offset, zone = f
    return Time(0 if h == 24 else h, mi, s, offset, zone)


def parse_date_time(text: str) -> DateTime | None:
    """YYYY-MM-DDThh:mm:ss[...] (as parse_time after the T), or None. 24:00:00 is the next day's midnight."""
    if "T" not in text:
        return None
    date_text, _, time_text = text.partition("T")
    from .values import parse_date
    d = parse_date(date_text)
    m = _TIME_RE.match(time_text)
    if d is None or not m:
        return None
    f = _time_fields(m)
    if f is None:
        return None
    h, mi, s, offset, zone = f
    if h == 24:
        try:
            d, h = d + _dt.timedelta(days=1), 0
        except OverflowError:
            return None
    return DateTime(d, h, mi, s, offset, zone)


# ------------------------------------------------------------------ arithmetic

def from_local_seconds(total: Decimal, offset, zone) -> DateTime | None:
    """The date and time whose local wall time is `total` seconds after 0001-01-01T00:00:00."""
    days, secs = _C.divmod(total, _DAY)
    try:
        d = _dt.date.fromordinal(int(days) + 1)
    except (ValueError, OverflowError):
        return None
    whole = int(secs)
    h, rest = divmod(whole, 3600)
    mi, s = divmod(rest, 60)
    return DateTime(d, h, mi, _C.add(s, _C.subtract(secs, whole)), offset, zone)


def shift(value: DateTime, seconds: Decimal) -> DateTime | None:
    """value plus a days-and-time duration. A zoned value moves on the UTC line and is shown
    again in its zone (so an hour after 01:30 on the night clocks go forward is 03:30); an offset
    or local value keeps its offset."""
    if value.zone is not None:
        instant = _C.add(value.instant(), seconds)
        whole = int(instant.to_integral_value(rounding="ROUND_FLOOR"))
        try:
            utc = _dt.datetime(1, 1, 1, tzinfo=_dt.timezone.utc) + _dt.timedelta(seconds=whole)
            local = utc.astimezone(zone_info(value.zone))
        except (OverflowError, ValueError):
            return None
        return DateTime(local.date(), local.hour, local.minute, _C.add(local.second, _C.subtract(instant, whole)), None,
                        value.zone)
    return from_local_seconds(_C.add(value.local_seconds(), seconds), value.offset, value.zone)


def _mod_day(x: Decimal) -> Decimal:
    """x modulo one day, in 0 <= r < 86400 (Decimal's % keeps the dividend's sign)."""
    return _C.subtract(x, _C.multiply(_DAY, _C.divide(x, _DAY).to_integral_value(rounding="ROUND_FLOOR")))


def time_shift(value: Time, seconds: Decimal) -> Time:
    total = _mod_day(_C.add(value.seconds(), seconds))
    whole = int(total)
    h, rest = divmod(whole, 3600)
    mi, s = divmod(rest, 60)
    return Time(h, mi, _C.add(s, _C.subtract(total, whole)), value.offset, value.zone)
