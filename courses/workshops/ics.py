"""A small iCalendar (RFC 5545) writer for session invitations: CRLF line endings, lines folded
at 75 octets (never inside a UTF-8 character), text values escaped.

One event per session, with the session's stable UID and its SEQUENCE (raised with every change
sent), so calendar programs update or remove the event they already hold.
"""

from datetime import UTC, datetime

PRODID = "-//Infant Mental Health Learning//Workshops//EN"


def escape(value: str) -> str:
    """TEXT escaping (RFC 5545 3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets, continuation lines starting with a
    space (RFC 5545 3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # not inside a character
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74  # the leading space counts
    return "\r\n ".join(parts)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def invitation(
    session, *, method: str = "REQUEST", attendee=None, organiser_email: str = ""
) -> str:
    """The calendar for ``session``: METHOD:REQUEST for a confirmation or change, METHOD:CANCEL
    when the session, or the person's place on it, is cancelled."""
    cancelled = method == "CANCEL"
    location = session.online_link or ", ".join(
        part for part in [session.venue_name, *session.venue_address.splitlines()] if part.strip()
    )
    description = [session.course.summary or ""]
    if session.accessibility_notes:
        description.append(f"Accessibility: {session.accessibility_notes}")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{session.uid}@workshops",
        f"SEQUENCE:{session.sequence}",
        f"DTSTAMP:{_utc(datetime.now(UTC))}",
        f"DTSTART:{_utc(session.starts_at)}",
        f"DTEND:{_utc(session.ends_at)}",
        f"SUMMARY:{escape(session.course.title)}",
        f"DESCRIPTION:{escape(chr(10).join(d for d in description if d))}",
        f"LOCATION:{escape(location)}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
    ]
    if organiser_email:
        lines.append(f"ORGANIZER:mailto:{organiser_email}")
    if attendee is not None:
        name = escape(getattr(attendee, "display_name", "") or attendee.email).replace('"', "'")
        lines.append(
            f'ATTENDEE;CN="{name}";ROLE=REQ-PARTICIPANT;'
            f"PARTSTAT={'DECLINED' if cancelled else 'ACCEPTED'}:mailto:{attendee.email}"
        )
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)
