"""``Record``: ``typing.NamedTuple``'s class syntax without its cost at start-up.

``class Row(Record): name: str; size: int = 0`` makes the class ``typing.NamedTuple`` would: a
``collections.namedtuple`` with the body's docstring, methods, properties and other attributes,
and the fields' annotations as written. What it skips is typing's check of each annotation:
under ``from __future__ import annotations`` every annotation is a string, which typing turns
into a ``ForwardRef`` and compiles (~0.19 ms a class, against namedtuple's ~0.07 ms; a run
defines 18 of them before it reads a file, 32 once the engine loads). Type checkers see
``typing.NamedTuple`` itself. As typing does, it refuses other base classes and a body that
redefines what namedtuple makes."""

from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:
    # what a class statement gives namedtuple's class as well as typing does, or leaves alone
    _OWN = frozenset(("__module__", "__qualname__", "__annotations__"))
    _NAMEDTUPLE = frozenset(("__new__", "__init__", "__slots__", "__getnewargs__", "_fields", "_field_defaults",
                             "_make", "_replace", "_asdict", "_source"))

    class _RecordType(type):
        def __new__(mcls, name: str, bases: tuple, namespace: dict) -> type:
            if bases != (Record,):
                raise TypeError(f"{name}: a Record has no other base class")
            if "__annotations__" not in namespace and "__annotate__" in namespace:
                # Python 3.14 without the __future__ import: annotations are a function to call
                raise TypeError(f"{name}: a Record's module needs 'from __future__ import annotations'")
            annotations = namespace.get("__annotations__", {})
            fields = tuple(annotations)
            defaults = [namespace[field] for field in fields if field in namespace]
            if defaults and fields[-len(defaults):] != tuple(f for f in fields if f in namespace):
                raise TypeError(f"{name}: a field without a default follows one with a default")
            redefined = _NAMEDTUPLE.intersection(namespace)
            if redefined:
                raise TypeError(f"{name}: a Record cannot redefine {', '.join(sorted(redefined))}")
            cls = namedtuple(name, fields, defaults=defaults, module=namespace["__module__"])
            cls.__qualname__ = namespace["__qualname__"]
            cls.__annotations__ = dict(annotations)
            for key, value in namespace.items():
                if key not in _OWN and key not in fields:
                    setattr(cls, key, value)
            return cls

    Record = type.__new__(_RecordType, "Record", (), {})

__all__ = ("Record",)
