"""Warnings about facts valid one by one but unusual together (PD320), by the enterprise-profile contract."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs

from policydsl.diagnostics import Diagnostic
from policydsl.model import Entity
from policydsl.values import Money


@attrs.frozen
class Coherence:
    """A check of the published profile contract: it applies to a schema that declares the
    facts it reads (with those types), and it warns, never refuses."""

    needs: tuple[tuple[str, str, str | None], ...]  # (fact, type kind, an enum value it must have)
    path: str  # the fact the warning is reported on
    test: Callable[[Mapping[str, object]], str | None]  # a message when the combination is unusual
    hint: str

    def applies(self, root: Entity) -> bool:
        for name, kind, value in self.needs:
            fact = root.fact(name)
            if fact is None or fact.type.kind != kind:
                return False
            if value is not None and (fact.type.enum is None or value not in fact.type.enum.values):
                return False
        return True


def _key_giant_level(values: Mapping[str, object]) -> str | None:
    level = values["srdi_level"]
    if values["key_little_giant"] is True and level is not None and level != "little_giant":
        return f"key_little_giant is true but srdi_level is {level}, not little_giant"
    return None


def _fund_without_key(values: Mapping[str, object]) -> str | None:
    fund = values["national_fund_received"]
    if values["key_little_giant"] is False and isinstance(fund, Money) and fund.yuan > 0:
        return f"national_fund_received is {fund} but key_little_giant is false"
    return None


# The combinations the enterprise-profile contract (enterprise-profile.md) calls unusual.
COHERENCE_CHECKS: tuple[Coherence, ...] = (
    Coherence((("key_little_giant", "bool", None), ("srdi_level", "enum", "little_giant")),
              "key_little_giant", _key_giant_level,
              "a key little giant (国家重点“小巨人”) is normally a national little giant; evaluated as given"),
    Coherence((("national_fund_received", "money", None), ("key_little_giant", "bool", None)),
              "national_fund_received", _fund_without_key,
              "the central funds are paid to key little giants; evaluated as given"),
)


def warnings(checks: tuple[Coherence, ...], values: Mapping[str, object]) -> tuple[Diagnostic, ...]:
    found: tuple[Diagnostic, ...] = ()
    for check in checks:
        message = check.test(values)
        if message is not None:
            found += (Diagnostic("PD320", message, hint=check.hint, severity="warning", path=check.path),)
    return found
