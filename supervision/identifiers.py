"""Spotting obvious identifiers in free text that belongs in a supervision record.

Supervision records hold anonymised case references only; identifiable details live in the
clinical record. This is a safety net for slips, not a guarantee of anonymity, so it aims for
few false alarms on ordinary supervision notes:

- **NHS numbers**: ten digits, alone or grouped 3-3-4 with spaces or dashes, whose modulus-11
  check digit is valid (about 1 in 11 random ten-digit numbers pass, so the check removes most
  reference numbers and phone numbers).
- **Dates of birth**: a full date (day, month and year: 12/03/2024, 12-3-24, 12 March 2024,
  March 12th 2024, 2024-03-12) within a few words after "DOB", "D.O.B.", "date of birth",
  "born" or "birthday". Full dates on their own are not flagged: supervision notes mention the
  dates of visits, meetings and referrals all the time, and flagging those would teach people
  to ignore the warning. Month-and-year or an age ("baby, 4 months") is fine.
- **UK postcodes**: a full postcode (outward and inward code, e.g. "LS1 4AP"); an outward code
  alone ("LS1") names an area, not a household, and is not flagged.
- **UK phone numbers**: 07xxx mobiles and 01/02/03 landlines with 10-11 digits, or +44.
- **Email addresses**.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


KIND_LABELS = {
    "nhs_number": "an NHS number",
    "date_of_birth": "a date of birth",
    "postcode": "a full postcode",
    "phone": "a phone number",
    "email": "an email address",
}

# Ten digits not inside a longer run of digits, either contiguous or grouped 3-3-4.
_NHS_RE = re.compile(r"(?<![\d])(\d{3})[ \-]?(\d{3})[ \-]?(\d{4})(?![\d])")

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_FULL_DATE = (
    rf"(?:{_DAY}\s*[/.\-]\s*(?:0?[1-9]|1[0-2])\s*[/.\-]\s*(?:\d{{4}}|\d{{2}})"  # 12/03/2024
    rf"|\d{{4}}-(?:0?[1-9]|1[0-2])-{_DAY}"  # 2024-03-12
    rf"|{_DAY}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{4}}"  # 12 March 2024
    rf"|(?:{_MONTHS})\.?\s+{_DAY}(?:st|nd|rd|th)?,?\s+\d{{4}})"  # March 12th, 2024
)
_FULL_DATE_RE = re.compile(rf"(?<![\w/.\-]){_FULL_DATE}(?![\w/]|\.\d|-\d)", re.IGNORECASE)
_DOB_KEYWORD_RE = re.compile(
    r"(?:\bd\.?\s?o\.?\s?b\b\.?|\bdate\s+of\s+birth\b|\bborn\b|\bbirth\s*date\b"
    r"|\bbirthday\b|\bb\.\s?d\.)",
    re.IGNORECASE,
)
# How far before a date a keyword may be ("DOB: 12/03/2024", "born on the 12th of ...",
# "date of birth of the baby is 12/03/2024"), within the same sentence.
_DOB_LOOKBEHIND = 40

# Full UK postcode: outward code (A9, A99, AA9, AA99, A9A, AA9A) and inward code (9AA).
_POSTCODE_RE = re.compile(
    r"\b(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])\s?[0-9][ABD-HJLNP-UW-Z]{2}\b"
    r"|\bGIR\s?0AA\b",
    re.IGNORECASE,
)

# UK phone numbers: +44 or 0, then 9-10 more digits, allowing spaces, dashes and brackets.
_PHONE_RE = re.compile(r"(?<![\w+])(?:\+44\s?\(?0?\)?|\(?0)\d(?:[\s\-()]?\d){8,9}(?!\d)")

_EMAIL_RE = re.compile(r"\b[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+\b")


def nhs_number_is_valid(digits: str) -> bool:
    """Whether ten digits form a valid NHS number (modulus 11 check digit)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(digits[9])


def find_identifiers(text: str) -> list[Finding]:
    """Obvious identifiers in ``text``, in the order they appear (each at most once)."""
    if not text:
        return []
    found: list[tuple[int, Finding]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, kind: str, value: str) -> None:
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        found.append((start, Finding(kind, value.strip())))

    for match in _NHS_RE.finditer(text):
        digits = "".join(match.groups())
        if nhs_number_is_valid(digits):
            add(match.start(), match.end(), "nhs_number", match.group(0))
    for match in _FULL_DATE_RE.finditer(text):
        before = text[max(0, match.start() - _DOB_LOOKBEHIND) : match.start()]
        before = re.split(r"[.!?;\n](?:\s|$)", before)[-1]  # the same sentence only
        if _DOB_KEYWORD_RE.search(before):
            add(match.start(), match.end(), "date_of_birth", match.group(0))
    for match in _EMAIL_RE.finditer(text):
        add(match.start(), match.end(), "email", match.group(0))
    for match in _PHONE_RE.finditer(text):
        add(match.start(), match.end(), "phone", match.group(0))
    for match in _POSTCODE_RE.finditer(text):
        add(match.start(), match.end(), "postcode", match.group(0))

    seen = set()
    result = []
    for _, finding in sorted(found, key=lambda item: item[0]):
        if finding not in seen:
            seen.add(finding)
            result.append(finding)
    return result


def describe(findings: list[Finding]) -> str:
    """A message telling the user what was found and what to do."""
    parts = [f"{f.label} ({f.text})" for f in findings]
    listed = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    return (
        f"This looks like it contains {listed}. Remove identifying details and use an "
        "anonymised reference such as 'Family A' instead; identifiable details belong in the "
        "clinical record."
    )
