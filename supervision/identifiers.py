"""Spotting obvious identifiers in free text that belongs in a supervision record.

Supervision records hold anonymised case references only; identifiable details live in the
clinical record. This is a safety net for slips, not a guarantee of anonymity, so it aims for
few false alarms on ordinary supervision notes:

- **NHS numbers**: ten digits, contiguous or grouped with one kind of separator (spaces, dashes,
  dots or slashes: "943 476 5919", "943.476.5919", "9 4 3 4 7 6 5 9 1 9"), whose modulus-11
  check digit is valid (about 1 in 11 random ten-digit numbers pass, so the check removes most
  reference numbers and phone numbers).
- **Dates of birth**: a full date (day, month and year: 12/03/2024, 12-3-24, 12 March 2024,
  March 12th 2024, the third of March 2024, 2024-03-12, 2024/03/12) within a few words after
  "DOB", "D.O.B.", "date of birth",
  "born" or "birthday". Full dates on their own are not flagged: supervision notes mention the
  dates of visits, meetings and referrals all the time, and flagging those would teach people
  to ignore the warning. Month-and-year or an age ("baby, 4 months") is fine.
- **UK postcodes**: a full postcode (outward and inward code, e.g. "LS1 4AP"); an outward code
  alone ("LS1") names an area, not a household, and is not flagged.
- **UK phone numbers**: 07xxx mobiles and 01/02/03 landlines with 10-11 digits, or +44.
- **Email addresses**.

These block a save. What only *may* identify someone is warned about after saving, with the
record kept as typed (``find_possible_identifiers``):

- a ten-digit number whose check digit fails (a mistyped NHS number, or a reference number);
- what looks like a street address ("12 Acacia Avenue", "41b Mill Lane");
- what looks like a child's full name: two capitalised names after "baby", "child", "son",
  "daughter"... ("baby Lily Smith"), or before an age ("Noah Jones (4 months)").
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
    "unchecked_number": "a ten-digit number that may be a mistyped NHS number",
    "street_address": "a street address",
    "child_name": "a child's full name",
    "date_of_birth": "a date of birth",
    "postcode": "a full postcode",
    "phone": "a phone number",
    "email": "an email address",
}

# Ten digits not inside a longer run of digits, each pair of digits separated by at most one
# space, dash, dot or slash; ``_ten_digits`` then asks for one kind of separator throughout.
_SEPARATOR = r"[ .\-/]"
_NHS_RE = re.compile(rf"(?<!\d)(?<!\d{_SEPARATOR})\d(?:{_SEPARATOR}?\d){{9}}(?!{_SEPARATOR}?\d)")

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_UNITS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
_ORDINAL_WORDS = "|".join(
    [f"twenty[- ]?{u}" for u in _UNITS]
    + ["thirty[- ]?first", "thirtieth", "twentieth"]
    + ["tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth"]
    + ["seventeenth", "eighteenth", "nineteenth", *_UNITS]
)
_WRITTEN_DAY = rf"(?:the\s+)?(?:{_DAY}(?:st|nd|rd|th)?|{_ORDINAL_WORDS})"
_FULL_DATE = (
    rf"(?:{_DAY}\s*[/.\-]\s*(?:0?[1-9]|1[0-2])\s*[/.\-]\s*(?:\d{{4}}|\d{{2}})"  # 12/03/2024
    rf"|\d{{4}}(?P<sep>[/.\-])(?:0?[1-9]|1[0-2])(?P=sep){_DAY}"  # 2024-03-12, 2024/03/12
    rf"|{_WRITTEN_DAY}\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{4}}"  # 12 March 2024
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
# The end of a sentence: not the dot after a single letter ("d.o.b. ", "D. O. B.").
_SENTENCE_END = re.compile(r"(?<!\b\w)[.!?;\n](?:\s|$)")

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

# A house number and one to three capitalised words ending in a street word.
_STREET_WORDS = (
    "street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|court|ct|crescent|place|pl|"
    "terrace|gardens|grove|hill|park|row|walk|square|mews|view|rise|green|parade|gate"
)
_ADDRESS_RE = re.compile(
    rf"(?<![\w.])\d{{1,4}}[a-zA-Z]?,?\s+(?:[A-Z][a-z'\-]+\s+){{1,3}}(?i:{_STREET_WORDS})\b\.?"
)
# Two or three capitalised names after a word for a child, or before an age.
_NAME = r"[A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+){1,2}"
_CHILD_WORDS = r"(?i:baby|babies|child|son|daughter|infant|toddler|newborn|twins?|boy|girl)"
_CHILD_NAME_RE = re.compile(
    rf"\b{_CHILD_WORDS}\s+(?:(?i:called|named)\s+)?({_NAME})\b"
    rf"|\b({_NAME}),?\s*\(?(?:(?i:aged)\s+)?\d{{1,2}}\s*(?i:days?|weeks?|months?|years?)\b"
)
_NOT_NAMES = {"mum", "dad", "mother", "father", "family", "baby", "the", "and", "nhs"}


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

    for match, digits in _ten_digits(text):
        if nhs_number_is_valid(digits):
            add(match.start(), match.end(), "nhs_number", match.group(0))
    for match in _FULL_DATE_RE.finditer(text):
        before = text[max(0, match.start() - _DOB_LOOKBEHIND) : match.start()]
        before = _SENTENCE_END.split(before)[-1]  # the same sentence only
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


def _ten_digits(text: str):
    """(match, its ten digits) for each candidate NHS number: one kind of separator, if any."""
    for match in _NHS_RE.finditer(text):
        separators = set(re.sub(r"\d", "", match.group(0)))
        if len(separators) <= 1:
            yield match, re.sub(r"\D", "", match.group(0))


def find_possible_identifiers(text: str) -> list[Finding]:
    """What may identify someone, to warn about (never to block): see the module docstring.
    Leaves out what ``find_identifiers`` blocks."""
    if not text:
        return []
    blocked = find_identifiers(text)
    blocked_numbers = {re.sub(r"\D", "", f.text) for f in blocked}
    found: list[tuple[int, Finding]] = []
    for match, digits in _ten_digits(text):
        if digits not in blocked_numbers and not nhs_number_is_valid(digits):
            found.append((match.start(), Finding("unchecked_number", match.group(0))))
    for match in _ADDRESS_RE.finditer(text):
        found.append((match.start(), Finding("street_address", match.group(0).rstrip("."))))
    for match in _CHILD_NAME_RE.finditer(text):
        name = match.group(1) or match.group(2)
        if not {w.lower() for w in name.split()} & _NOT_NAMES:
            found.append((match.start(), Finding("child_name", name)))
    result = []
    for _, finding in sorted(found, key=lambda item: item[0]):
        if finding not in result:
            result.append(finding)
    return result


def _listed(findings: list[Finding]) -> str:
    """'a date of birth (1/2/90), a phone number (...) and an email address (...)'."""
    parts = [f"{f.label} ({f.text})" for f in findings]
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]


def describe_possible(findings: list[Finding]) -> str:
    """The warning shown after saving text that may identify someone."""
    return (
        f"Saved. Check what you wrote: it may contain {_listed(findings)}. If it identifies a "
        "family, edit it now and use an anonymised reference such as 'Family A'."
    )


def describe(findings: list[Finding]) -> str:
    """A message telling the user what was found and what to do."""
    return (
        f"This looks like it contains {_listed(findings)}. Remove identifying details and use "
        "an anonymised reference such as 'Family A' instead; identifiable details belong in the "
        "clinical record."
    )
