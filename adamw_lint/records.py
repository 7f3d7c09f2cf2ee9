"""``Record``: ``typing.NamedTuple``'s class syntax without its cost at start-up.

``class Row(Record): name: str; size: int = 0`` makes the class ``typing.NamedTuple`` would: a
``collections.namedtuple`` with the body's docstring, methods, properties and other attributes.
What it skips is typing's check of each annotation: under ``from __future__ import
annotations`` every field's annotation is a string, which typing turns into a ``ForwardRef`` and
compiles (~0.19 ms a class, against namedtuple's ~0.07 ms; a run defines about thirty of them
before it reads a file), and importing ``typing`` at all (~2 ms). Type checkers see
``typing.NamedTuple`` itself."""

from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:
    # what a class statement gives namedtuple's class as well as typing does, or leaves alone
    _OWN = frozenset(("__module__", "__qualname__", "__annotations__"))

    class _RecordType(type):
        def __new__(mcls, name: str, bases: tuple, namespace: dict) -> type:
            fields = tuple(namespace.get("__annotations__", ()))
            defaults = [namespace[field] for field in fields if field in namespace]
            if defaults and fields[-len(defaults):] != tuple(f for f in fields if f in namespace):
                raise TypeError(f"{name}: a field without a default follows one with a default")
            cls = namedtuple(name, fields, defaults=defaults, module=namespace["__module__"])
            cls.__qualname__ = namespace["__qualname__"]
            for key, value in namespace.items():
                if key not in _OWN and key not in fields:
                    setattr(cls, key, value)
            return cls

    Record = type.__new__(_RecordType, "Record", (), {})

__all__ = ("Record",)
