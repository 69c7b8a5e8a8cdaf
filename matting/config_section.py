"""One way to read a section of a JSON config into a dataclass: unknown keys are refused by name.

The network config (``MSIAConfig``, ``RefinerConfig``), the training recipe, the data config and
the refiner's recipe all inherit ``ConfigSection``; a typo in a config file fails with the keys
that are not fields instead of being ignored. Normalising values (lists to tuples, checks) is the
dataclass's ``__post_init__``.
"""
from __future__ import annotations

from dataclasses import fields
from typing import Any, ClassVar, Mapping, TypeVar

T = TypeVar("T", bound="ConfigSection")


class ConfigSection:
    """Mixin for dataclasses: ``from_dict`` with unknown-key checking."""

    section: ClassVar[str] = "config"  # named in the error: "unknown <section> config fields"

    @classmethod
    def from_dict(cls: type[T], d: Mapping[str, Any]) -> T:
        unknown = set(d) - {f.name for f in fields(cls)}  # type: ignore[arg-type]
        if unknown:
            raise ValueError(f"unknown {cls.section} config fields: {sorted(unknown)}")
        return cls(**d)
