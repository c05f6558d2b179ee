"""Integer lookups that a number too big for the database cannot break.

SQLite (the embedded default) stores integers in 64 bits, and Python's sqlite3 raises
OverflowError for a bigger one: a 500. Django already treats an out-of-range value in ``exact``,
``gt``, ``gte``, ``lt`` and ``lte`` on an integer field as matching nothing, but not in ``in``,
nor in lookups through a relation, and a page's ``pk`` is a relation (``page_ptr``). So
``/learn/courses/9223372036854775808/enrol/``, ``?course=9223372036854775808`` or a form's list
of ids could crash a page. These lookups leave out integers outside the column's range: no row
can hold one, on any database. Registered in ``LmsConfig.ready``.
"""

import contextlib

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignObject, IntegerField
from django.db.models.fields.related_lookups import RelatedExact, RelatedIn
from django.db.models.lookups import In


def _range(field, connection) -> tuple[int | None, int | None]:
    if field is None:
        return None, None
    try:
        return connection.ops.integer_field_range(field.get_internal_type())
    except KeyError:  # not an integer column
        return None, None


def _fits(value, low, high) -> bool:
    if isinstance(value, bool) or not isinstance(value, int):
        return True
    return (low is None or value >= low) and (high is None or value <= high)


def _target(lookup):
    """The column a relation lookup compares with (None for multi-column relations)."""
    try:
        return lookup.lhs.output_field.target_field
    except Exception:  # FieldError for a relation with several target fields
        return None


class _InRange:
    def _column(self):
        return self.lhs.output_field

    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = _range(self._column(), connection)
            if low is not None or high is not None:
                if self.lookup_name == "in":
                    with contextlib.suppress(TypeError):  # not a list of values
                        self.rhs = [v for v in self.rhs if _fits(v, low, high)]
                elif not _fits(self.rhs, low, high):
                    raise EmptyResultSet
        return super().process_rhs(compiler, connection)


class IntegerFieldIn(_InRange, In):
    pass


class RelatedIntegerExact(_InRange, RelatedExact):
    def _column(self):
        return _target(self)


class RelatedIntegerIn(_InRange, RelatedIn):
    def _column(self):
        return _target(self)


def register() -> None:
    IntegerField.register_lookup(IntegerFieldIn)
    ForeignObject.register_lookup(RelatedIntegerExact)
    ForeignObject.register_lookup(RelatedIntegerIn)


def as_id(value) -> int | None:
    """``value`` as a primary key if it is one written in decimal digits, else None. More digits
    than any 64-bit key has are None too (int() of thousands of digits raises ValueError)."""
    text = str(value or "").strip()
    # isdecimal, not isdigit: int() refuses digits such as "²" that isdigit accepts.
    if not text.isdecimal() or len(text) > 19:
        return None
    return int(text)
