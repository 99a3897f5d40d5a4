"""The collector pause (gc_pause.py): off inside, restored after, also when nested or on error."""

from __future__ import annotations

import gc

import pytest

import policydsl
from policydsl import gc_pause
from tests.conftest import SANMENXIA


def test_paused_and_restored() -> None:
    assert gc.isenabled()
    with gc_pause.paused():
        assert not gc.isenabled()
        with gc_pause.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()


def test_restored_after_an_error() -> None:
    with pytest.raises(ValueError), gc_pause.paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_left_off_when_it_was_off() -> None:
    gc.disable()
    try:
        with gc_pause.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_loading_a_policy_leaves_the_collector_on() -> None:
    policydsl.load(SANMENXIA)
    with pytest.raises(policydsl.PolicyError):
        policydsl.load(SANMENXIA / "no-such-file.pol")
    assert gc.isenabled()
