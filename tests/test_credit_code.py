"""Unified social credit code validation (GB 32100-2015)."""

import random

import pytest

from finplatform.credit_code import (
    ALPHABET,
    FORBIDDEN_LETTERS,
    MESSAGES,
    WEIGHTS,
    InvalidCreditCode,
    compute_check_character,
    credit_code_error,
    make_credit_code,
    normalize_credit_code,
    validate_credit_code,
)

# Codes published for well-known companies (business licences, Wikipedia, commercial registries).
PUBLISHED_CODES = {
    "914403001922038216": "华为技术有限公司",
    "91440300708461136T": "深圳市腾讯计算机系统有限公司",
    "91110000802100433B": "北京百度网讯科技有限公司",
    "91110108551385082Q": "小米科技有限责任公司",
}


def _kind(code):
    error = credit_code_error(code)
    return None if error is None else error.kind


def _replace(code, position, char):
    return code[: position - 1] + char + code[position:]


@pytest.mark.parametrize("code", sorted(PUBLISHED_CODES))
def test_published_codes_are_valid(code):
    assert credit_code_error(code) is None
    assert validate_credit_code(code) == code
    assert compute_check_character(code[:17]) == code[17]
    assert make_credit_code(code[:17]) == code


def test_alphabet_is_gb32100s():
    assert len(ALPHABET) == 31
    assert len(set(ALPHABET)) == 31
    assert not set(FORBIDDEN_LETTERS) & set(ALPHABET)
    assert set(ALPHABET) | set(FORBIDDEN_LETTERS) == set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def test_weights_are_the_standards():
    # As printed in GB 32100-2015; they are 3**i mod 31.
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert tuple(pow(3, i, 31) for i in range(17)) == WEIGHTS


def test_check_character_closes_the_weighted_sum_modulo_31():
    # The standard's definition, restated independently: weighted body + check value = 0 mod 31.
    rng = random.Random(20140214)
    for _ in range(2000):
        body = "".join(rng.choice(ALPHABET) for _ in range(17))
        total = sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS, strict=True))
        assert (total + ALPHABET.index(compute_check_character(body))) % 31 == 0


@pytest.mark.parametrize("code", sorted(PUBLISHED_CODES))
@pytest.mark.parametrize("position", range(1, 19))
def test_every_single_character_substitution_is_rejected(code, position):
    original = code[position - 1]
    wrong = []
    # A mod-31 check with weights that are units mod 31 catches every single substitution.
    for char in ALPHABET.replace(original, ""):
        error = credit_code_error(_replace(code, position, char))
        got = None if error is None else (error.kind, error.position, error.char)
        if position == 18:
            ok = got == ("check", 18, char) and error.expected == original
        else:
            ok = got == ("check", 18, code[17]) and error.expected != code[17]
        if not ok:
            wrong.append((char, error))
    assert wrong == []


@pytest.mark.parametrize("code", sorted(PUBLISHED_CODES))
@pytest.mark.parametrize("position", range(1, 19))
@pytest.mark.parametrize("letter", FORBIDDEN_LETTERS + FORBIDDEN_LETTERS.lower())
def test_forbidden_letters_are_rejected_naming_the_position(code, position, letter):
    mutated = _replace(code, position, letter)
    with pytest.raises(InvalidCreditCode) as caught:
        validate_credit_code(mutated)
    assert caught.value.kind == "character"
    assert caught.value.position == position
    assert caught.value.char == letter.upper()
    assert f"第{position}位" in str(caught.value)
    assert f"“{letter.upper()}”" in str(caught.value)


@pytest.mark.parametrize("code", sorted(PUBLISHED_CODES))
@pytest.mark.parametrize("position", range(1, 19))
@pytest.mark.parametrize("char", ["-", "*", "零", "_", "。"])
def test_other_foreign_characters_are_rejected_naming_the_position(code, position, char):
    error = credit_code_error(_replace(code, position, char))
    assert error is not None
    assert (error.kind, error.position) == ("character", position)


@pytest.mark.parametrize("code", sorted(PUBLISHED_CODES))
def test_lower_case_is_accepted_and_upper_cased(code):
    assert validate_credit_code(code.lower()) == code
    for position, char in enumerate(code, start=1):
        if char.isalpha():
            assert validate_credit_code(_replace(code, position, char.lower())) == code


@pytest.mark.parametrize("code", sorted(PUBLISHED_CODES))
def test_lower_case_of_a_wrong_letter_is_still_a_check_error(code):
    # Position 18 of every published code here differs from "a", so "a" there must fail.
    assert code[17] != "A"
    assert _kind(_replace(code, 18, "a")) == "check"


@pytest.mark.parametrize(
    ("code", "position"),
    [
        (code, position)
        for code in sorted(PUBLISHED_CODES)
        for position in range(1, 17)
        if code[position - 1] != code[position]  # swapping equal neighbours changes nothing
    ],
)
def test_adjacent_transpositions_in_the_body_are_caught(code, position):
    a, b = code[position - 1], code[position]
    swapped = code[: position - 1] + b + a + code[position + 1 :]
    assert _kind(swapped) == "check"


@pytest.mark.parametrize("length", [1, 8, 15, 17, 19, 20, 36])
def test_wrong_lengths_are_rejected_with_the_length(length):
    code = ("914403001922038216" * 2)[:length]
    with pytest.raises(InvalidCreditCode) as caught:
        validate_credit_code(code)
    assert caught.value.kind == "length"
    assert caught.value.length == length
    assert str(caught.value) == f"统一社会信用代码应为18位，当前为{length}位"


def test_length_is_checked_before_characters():
    # A 17-character code with a forbidden letter: the length is the first thing to fix.
    assert _kind("9144030019220382I") == "length"


@pytest.mark.parametrize("blank", [None, "", "   ", "\u3000", "\t\n"])
def test_blank_input_is_empty(blank):
    with pytest.raises(InvalidCreditCode) as caught:
        validate_credit_code(blank)
    assert caught.value.kind == "empty"


@pytest.mark.parametrize(
    "typed",
    [
        "９１４４０３００１９２２０３８２１６",  # full-width digits from a Chinese IME
        "９１４４０３００1922038216",  # half full-width, as pasted from two sources
        " 9144 0300 1922 0382 16 ",
        "9144\u30000300\u30001922038216",  # ideographic spaces
        "914403001922038216\n",
    ],
)
def test_typed_variants_are_normalised(typed):
    assert normalize_credit_code(typed) == "914403001922038216"
    assert validate_credit_code(typed) == "914403001922038216"


def test_full_width_letters_are_folded():
    assert validate_credit_code("９１４４０３００７０８４６１１３６ｔ") == "91440300708461136T"
    assert validate_credit_code("９１４４０３００７０８４６１１３６Ｔ") == "91440300708461136T"


def test_full_width_forbidden_letter_is_reported_half_width():
    error = credit_code_error("９１４４０３００１９２２０３８２１Ｏ")
    assert (error.kind, error.position, error.char) == ("character", 18, "O")


def test_check_error_names_expected_and_actual():
    with pytest.raises(InvalidCreditCode) as caught:
        validate_credit_code("914403001922038217")
    assert caught.value.kind == "check"
    assert (caught.value.expected, caught.value.char) == ("6", "7")
    assert str(caught.value) == "校验码错误：第18位应为“6”，当前为“7”"
    assert caught.value.message("en") == (
        "Check character mismatch: character 18 should be “6” but is “7”."
    )


def test_every_kind_has_both_languages_and_formats_with_its_params():
    codes = {
        "empty": "",
        "length": "123",
        "character": "91440300192203821I",
        "check": "914403001922038210",
    }
    assert set(MESSAGES) == set(codes)
    for kind, code in codes.items():
        error = credit_code_error(code)
        assert error.kind == kind
        zh, en = MESSAGES[kind]
        assert error.template_zh == zh and error.template_en == en
        assert error.message("zh") == zh.format(**error.params)
        assert error.message("en") == en.format(**error.params)
        assert "{" not in error.message("zh") and "{" not in error.message("en")


def test_compute_check_character_rejects_bad_bodies():
    with pytest.raises(ValueError, match="17 characters"):
        compute_check_character("9144030019220382")
    with pytest.raises(ValueError, match="alphabet"):
        compute_check_character("91440300192203821I"[:16] + "I")


def test_make_credit_code_produces_valid_codes_for_every_check_value():
    seen = set()
    for serial in range(400):
        code = make_credit_code(f"91120116MA05{serial:05d}")
        assert validate_credit_code(code) == code
        seen.add(code[17])
    assert seen == set(ALPHABET)
