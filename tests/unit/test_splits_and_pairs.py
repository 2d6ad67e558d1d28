from dataclasses import dataclass

from polystyle.data.pairing import PairIndex
from polystyle.data.splits import split_of, stem_key


def test_split_is_a_pure_function_of_seed_and_stem() -> None:
    assert split_of("u4e00", 0, 0.05, 0.05) == split_of("u4e00", 0, 0.05, 0.05)
    stems = [f"s{i}" for i in range(400)]
    assert [split_of(s, 0, 0.2, 0.2) for s in stems] != [split_of(s, 1, 0.2, 0.2) for s in stems]


def test_split_fractions_are_respected_on_many_stems() -> None:
    splits = [split_of(f"stem-{i}", 7, 0.05, 0.05) for i in range(20000)]
    for name, expected in (("train", 0.90), ("val", 0.05), ("test", 0.05)):
        assert abs(splits.count(name) / len(splits) - expected) < 0.01


def test_stem_key_normalises_unicode() -> None:
    decomposed = "cafe\u0301.png"  # e + combining accent (macOS style)
    composed = "caf\u00e9.png"
    assert stem_key(decomposed) == stem_key(composed) == "caf\u00e9"


@dataclass
class Rec:
    stem: str
    style_id: int


def test_pair_index_keeps_only_shared_stems() -> None:
    records = [Rec("a", 0), Rec("a", 1), Rec("b", 0), Rec("c", 1), Rec("c", 2), Rec("a", 2)]
    pairs = PairIndex.build(records)
    assert len(pairs) == 2  # "a" in 3 styles, "c" in 2; "b" alone
    assert pairs.pairs(0, 1) == [(0, 1)]
    assert pairs.pairs(1, 2) == [(1, 5), (3, 4)]
    assert pairs.paired_count(0) == 1
    assert pairs.paired_count(2) == 2
