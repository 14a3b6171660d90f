"""Trail redaction uses the guard's private-data detectors (P5.1, E7.2): cards, mnemonics, PRC IDs."""

from __future__ import annotations

from mnemonic import Mnemonic

from clawfence.trail.scrub import find_all, scrub

PRC_ID = "11010519491231002X"  # GB 11643 example number with a valid check character
CARD = "4111 1111 1111 1111"


def test_private_data_found_and_redacted() -> None:
    phrase = Mnemonic("english").to_mnemonic(bytes(range(16)))
    text = f"id {PRC_ID} card {CARD} seed: {phrase}"
    kinds = {m.kind for m in find_all(text)}
    assert kinds == {"prc-id", "payment-card", "mnemonic"}
    out = scrub(text)
    assert PRC_ID not in out and CARD not in out and phrase not in out


def test_invalid_numbers_not_flagged() -> None:
    assert find_all("id 110105194912310021 card 4111 1111 1111 1112") == []
