"""Business calendars: business hours, time zones, DST, holidays, composition.

>>> from itsm_core.calendar import BusinessCalendar
>>> BusinessCalendar.always_open("UTC").timezone.key
'UTC'
"""

from itsm_core.calendar.business import BusinessCalendar, CalendarExplanation

__all__ = ["BusinessCalendar", "CalendarExplanation"]
