"""Mutation fuzzing of the shipped policy and profiles: never a crash, always a positioned answer."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import policydsl
from policydsl.checker.loader import load
from policydsl.checker.policy import check_loaded
from policydsl.diagnostics import ProfileError
from tests.conftest import SANMENXIA

SRDI = (SANMENXIA / "srdi.pol").read_text("utf-8")
NOISE = [*'"{}()[]=<>!&|#:,.%-+*/\\\n\t 0123456789万元亿湖滨区and or not in', "\ufeff", "\r", "\x00"]


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["delete", "insert", "duplicate"]))
        if action == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 40)):]
        elif action == "insert":
            noise = "".join(draw(st.lists(st.sampled_from(NOISE), min_size=1, max_size=5)))
            text = text[:position] + noise + text[position:]
        else:
            end = text.find("\n", position)
            end = len(text) if end < 0 else end
            text = text[:end] + text[position:end] + text[end:]
    return text


def test_mutated_policies_give_positioned_diagnostics(tmp_path: Path) -> None:
    folder = tmp_path / "sanmenxia"
    shutil.copytree(SANMENXIA, folder)

    @settings(max_examples=250)
    @given(text=mutated(SRDI))
    def prop(text: str) -> None:
        (folder / "srdi.pol").write_text(text, encoding="utf-8", errors="surrogatepass")
        policy, diagnostics = check_loaded(load(folder))
        errors = [d for d in diagnostics if d.severity == "error"]
        assert (policy is None) == bool(errors)
        for diagnostic in diagnostics:
            assert diagnostic.span is not None or diagnostic.path, diagnostic
            if diagnostic.span is not None:
                assert diagnostic.span.line >= 1 and diagnostic.span.column >= 1

    prop()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats(allow_nan=True)
    | st.text(max_size=8) | st.sampled_from(["1.5亿元", "15万美元", "3.5%", "little_giant", "灵宝市", "5g"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def test_mutated_profiles_are_evaluated_or_refused_with_paths() -> None:
    policies = policydsl.load(SANMENXIA)
    base = json.loads((SANMENXIA / "examples" / "profiles" / "mianchi-key-little-giant.json").read_text("utf-8"))
    fields = [*base, "projects[0].investment", "unknown_field"]

    @settings(max_examples=400)
    @given(field=st.sampled_from(fields), value=JSON_VALUES)
    def prop(field: str, value: Any) -> None:
        profile = json.loads(json.dumps(base))
        if field.startswith("projects[0]."):
            profile["projects"][0][field.split(".", 1)[1]] = value
        else:
            profile[field] = value
        try:
            result = policies.evaluate(profile, as_of=datetime.date(2024, 6, 1))
        except ProfileError as error:
            assert error.diagnostics and all(d.path for d in error.diagnostics)
            assert all(d.code.startswith("PD3") for d in error.diagnostics)
        else:
            assert len(result.measures) == 28

    prop()
