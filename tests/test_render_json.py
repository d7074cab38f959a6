"""JSON numbers written by orjson read exactly as the standard encoder writes them."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from safeplan.render.json import _json_scalars, _number_texts

encode = json.JSONEncoder(ensure_ascii=False).encode


def _floats(seed: int, n: int) -> list[float]:
    """Floats of every kind a report holds and more: rates of every magnitude, whole
    numbers, short decimals, and arbitrary bit patterns."""
    rng = np.random.default_rng(seed)
    magnitudes = 10.0 ** rng.uniform(-9, 20, n) * rng.choice([-1.0, 1.0], n)
    whole = rng.integers(0, 2**62, n).astype("float64")
    decimals = np.round(rng.uniform(0, 1e6, n), rng.integers(0, 9))
    bits = rng.integers(0, 2**63, n, dtype="int64").view("float64")
    bits = bits[np.isfinite(bits)]
    ratios = rng.integers(1, 10**6, n) / rng.choice([3, 7, 10, 100, 7919], n)
    return np.concatenate([magnitudes, whole, decimals, bits, ratios]).tolist()


def test_numbers_read_the_same_on_a_million_floats() -> None:
    values = _floats(seed=20261201, n=200_000)
    standard = [encode(v) for v in values]
    assert _number_texts(values) == standard
    assert _json_scalars(values) == standard
    in_range = [v for v in values if v == 0 or 1e-4 <= abs(v) < 1e16]
    assert len(in_range) > len(values) // 2  # most are written by orjson, not re-encoded


def test_what_orjson_writes_otherwise_goes_to_the_standard_encoder() -> None:
    rewritten: list[list[object]] = [
        [1e-05, 0.5],  # orjson: 0.00001
        [1e-07],  # orjson: 1e-7
        [1e16, 2.0],  # an exponent either way, written differently
        [float("nan"), None, True],  # orjson: null
        [float("inf"), -float("inf")],
    ]
    for values in rewritten:
        assert _number_texts(values) == [encode(v) for v in values], values
    others: list[list[object]] = [
        [2**70, 1],  # beyond orjson's 64 bits
        ["a, b", 1],
        [{"kind": "max", "value": 0.5}],
        [[1, 2.5]],
    ]
    for values in others:
        assert _number_texts(values) is None, values
        assert _json_scalars(values) == [encode(v) for v in values], values
    assert _number_texts([]) == []
    assert _number_texts([1, 2.5, None, True, False, -0.0]) == [
        "1",
        "2.5",
        "null",
        "true",
        "false",
        "-0.0",
    ]


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(min_value=-(2**80), max_value=2**80),
            st.floats(allow_nan=True, allow_infinity=True),
            st.text(max_size=5),
        ),
        max_size=20,
    )
)
def test_scalars_are_what_the_standard_encoder_writes(values: list[object]) -> None:
    assert _json_scalars(values) == [encode(v) for v in values]
