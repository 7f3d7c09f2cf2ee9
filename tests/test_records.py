"""``records.Record`` makes the class ``typing.NamedTuple`` makes, without typing's annotation checks."""

from __future__ import annotations

import pickle
import typing

import pytest

from adamw_lint.records import Record


def _describe(row: int) -> str:
    return f"row {row}"


class Pair(Record):
    """Two things, the second optional."""

    kind = "pair"  # a class attribute, not a field
    described = property(lambda self: _describe(self.first))

    first: int
    second: typing.Optional[str] = None

    def swapped(self) -> tuple:
        return (self.second, self.first)


class TypingPair(typing.NamedTuple):
    """Two things, the second optional."""

    kind = "pair"
    described = property(lambda self: _describe(self.first))

    first: int
    second: typing.Optional[str] = None

    def swapped(self) -> tuple:
        return (self.second, self.first)


def test_a_record_is_the_namedtuple_typing_would_make():
    for cls in (Pair, TypingPair):
        row = cls(1)
        assert isinstance(row, tuple) and tuple(row) == (1, None)
        assert cls._fields == ("first", "second") and cls._field_defaults == {"second": None}
        assert row._replace(second="b") == cls(1, "b") == (1, "b")
        assert row.swapped() == (None, 1) and row.described == "row 1" and row.kind == "pair"
        assert cls.__doc__ == "Two things, the second optional."
        assert cls.__module__ == __name__
        assert pickle.loads(pickle.dumps(cls(2, "x"))) == cls(2, "x")
        with pytest.raises(TypeError):
            cls()  # a field without a default is required
    assert repr(Pair(1, "b")) == "Pair(first=1, second='b')"


def test_fields_keep_their_order_and_an_attribute_assigned_in_the_body_is_no_field():
    class Row(Record):
        b: int
        a: int = 0
        c: str = ""
        limit = 3

    assert Row._fields == ("b", "a", "c") and Row(5) == (5, 0, "") and Row.limit == 3


def test_a_required_field_after_a_default_is_refused_as_typing_refuses_it():
    with pytest.raises(TypeError):
        class Wrong(Record):
            a: int = 0
            b: int
    with pytest.raises(TypeError):
        class TypingWrong(typing.NamedTuple):
            a: int = 0
            b: int


def test_a_nested_record_keeps_its_qualified_name():
    class Outer:
        class Inner(Record):
            x: int

    assert Outer.Inner.__qualname__.endswith("Outer.Inner") and Outer.Inner(1).x == 1


def test_annotations_are_never_evaluated():
    class Row(Record):
        x: NotDefinedAnywhere  # noqa: F821 (a string under the __future__ import, never looked up)

    assert Row(1).x == 1


def test_the_annotations_are_kept_as_written():
    assert Pair.__annotations__ == {"first": "int", "second": "typing.Optional[str]"}


def test_what_typing_refuses_is_refused():
    class Mixin:
        pass

    with pytest.raises(TypeError):
        class Based(Record, Mixin):
            x: int
    with pytest.raises(TypeError):
        class Redefined(Record):
            x: int

            def _replace(self, **changes):  # namedtuple's own
                return self

