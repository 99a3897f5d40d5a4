"""The reader of one schema's profiles under one Limits: the fast path first, the full readers on doubt."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import attrs

from policydsl.diagnostics import Diagnostic, ProfileError
from policydsl.model import Schema, Type
from policydsl.profile.fast import FastEntityReader, Slow, fast_entity_reader
from policydsl.profile.json_text import decode, fatal, load, plain_decode
from policydsl.profile.limits import DEFAULT_LIMITS, Limits
from policydsl.profile.messages import Invalid, describe
from policydsl.profile.values import EntityReader, Problems, entity_reader, value_reader
from policydsl.profile.values import from_text as raw_from_text  # read_value's keyword hides the name


@attrs.frozen
class Facts:
    """The typed facts of one profile: every root fact is a key, None where unknown.

    >>> facts = read_profile(schema, {"revenue": "1.5亿元", "projects": []})
    >>> facts.values["revenue"], facts.values["projects"], facts.values["employees"]
    (Money(yuan=Decimal('150000000.0')), (), None)
    """

    values: dict[str, object]


class ProfileReader:
    """Reads and validates the profiles of one schema under one `Limits`.

    Building one takes about a tenth of a millisecond (a reader per entity and per fact); reading a
    plain profile then takes a few microseconds. Whoever reads many profiles of one policy builds
    it once and keeps it as long as the policy (a PolicySet does; so does a batch).

    >>> reader = ProfileReader(policies.policy.schema, Limits(max_list_items=50_000))
    >>> reader.read({"employees": 320, "revenue": "1.5亿元"}).values["revenue"]
    Money(yuan=Decimal('150000000.0'))
    """

    __slots__ = ("__weakref__", "_fast", "_root", "limits", "schema")

    def __init__(self, schema: Schema, limits: Limits = DEFAULT_LIMITS) -> None:
        self.schema = schema
        self.limits = limits
        entities = {schema.root.name: schema.root, **schema.entities}
        readers: dict[str, EntityReader] = {}
        fast: dict[str, FastEntityReader] = {}
        for name, entity in entities.items():
            readers[name] = entity_reader(entity, entities, readers, limits)
            fast[name] = fast_entity_reader(entity, entities, fast, limits)
        self._root = readers[schema.root.name]
        self._fast = fast[schema.root.name]

    def read(self, data: object, *, source: str = "profile") -> Facts:
        """Validate one enterprise profile; raise ProfileError listing every problem.

        `data` is a dict (decoded JSON or Python values; a float is read by its printed form), a
        path to a JSON file, or JSON text as bytes. `source` names the profile in diagnostics about
        the whole document (a file's own path by default); a field's diagnostic has its JSON path.
        """
        document: object = data
        text = None
        if type(data) is not dict:
            text, source = load(data, source, self.limits)
            if text is not None:
                document = plain_decode(text)
        if type(document) is dict:
            counts = [0, 0]  # entries of lists and sets, keys of objects
            try:
                values = self._fast(document, counts)
            except (Slow, Invalid, RecursionError):
                pass  # read again below, by the readers that report problems
            else:
                # In JSON text a colon outside a string follows each key, so as many colons as keys
                # read means that no key was repeated (a repeat leaves a key fewer in the objects).
                if text is None or text.count(":") == counts[1]:
                    return Facts(values)
        problems = Problems()
        if text is not None:
            document, decoding = decode(text, source)
            problems.extend(decoding)
        if type(document) is not dict and not isinstance(document, Mapping):
            example = ", ".join(f'"{fact.name}": …' for fact in self.schema.root.facts[:2])
            fatal("PD306", f"the profile must be a JSON object of facts, not {describe(document)}", source,
                  f"write {{{example}}}; a fact that is not known may be left out")
        try:
            values = self._root(document, "", problems)
        except RecursionError:  # only a schema whose entities nest could get here
            fatal("PD311", "the profile nests too deeply to be read", source)
        if problems:
            raise ProfileError(problems)
        return Facts(values)


def read_profile(schema: Schema, data: object, *, source: str = "profile", limits: Limits = DEFAULT_LIMITS) -> Facts:
    """Validate one enterprise profile against `schema`; raise ProfileError listing every problem.

    `ProfileReader(schema, limits).read(data, source=source)`: a reader is built for this one
    profile, so a program reading many profiles builds a ProfileReader once instead.

    >>> read_profile(schema, {"employees": 320, "revenue": "1.5亿元"}).values["revenue"]
    Money(yuan=Decimal('150000000.0'))
    """
    return ProfileReader(schema, limits).read(data, source=source)


def read_value(type: Type, raw: object, path: str, *, from_text: bool = False,
               limits: Limits = DEFAULT_LIMITS, minimum: Decimal | None = None,
               maximum: Decimal | None = None) -> object:
    """Read one value of `type`, e.g. a parameter; raise ProfileError (PD3xx) when it is bad.

    `path` names the value in diagnostics. None stays None (unknown). With `from_text=True` a
    string is command-line text: "true"/"false" for bool, "320" for an integer, "a,b" for a
    set; money is a bare number of 万元 or has a unit, as in a profile.

    >>> read_value(MONEY, "500", "three_upgrades.cap", from_text=True)
    Money(yuan=Decimal('5000000'))
    """
    if raw is None:
        return None
    if from_text and isinstance(raw, str):
        try:
            raw = raw_from_text(type, raw, path)
        except Invalid as bad:
            raise ProfileError([bad.at(path)]) from None
    problems: list[Diagnostic] = []
    value = value_reader(type, path, limits, minimum, maximum)(raw, path, problems)
    if problems:
        raise ProfileError(problems)
    return value

