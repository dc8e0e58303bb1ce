"""Command arguments naming a person: names as printed ("郑 榕"), `姓名/单位`, role words."""

from __future__ import annotations

import pytest

from services.invitations import ALL_WORDS
from services.names import MAX_NAME_LENGTH, PersonArgs, parse_person_args, person_query, valid_name
from services.roles import ROLE_WORDS


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["郑", "榕"], PersonArgs("郑榕")),
        (["郑\u3000榕"], PersonArgs("郑榕")),  # a full-width space inside one argument
        (
            ["陈", "旭", "组长", "海丝引领专项组"],
            PersonArgs("陈旭", None, ["组长", "海丝引领专项组"]),
        ),
        (["张玉珍", "副指挥长"], PersonArgs("张玉珍", None, ["副指挥长"])),
        (["林嵩", "Admin"], PersonArgs("林嵩", None, ["Admin"])),
        (["郑", "组长"], PersonArgs("郑", None, ["组长"])),  # a role word is never joined
        (["高勇坤/区商务局", "admin"], PersonArgs("高勇坤", "区商务局", ["admin"])),
        (["郑", "榕／区委台港澳办"], PersonArgs("郑榕", "区委台港澳办")),
        (["张玉珍（副主任）", "指挥长"], PersonArgs("张玉珍", None, ["指挥长"])),
        (["Li", "Ming", "admin"], PersonArgs("Li Ming", None, ["admin"])),
        (["admin"], PersonArgs("", None, ["admin"])),
        ([], PersonArgs("")),
    ],
)
def test_grant_arguments(args: list[str], expected: PersonArgs) -> None:
    assert parse_person_args(args, stop_words=ROLE_WORDS) == expected


def test_delegate_arguments_name_two_people() -> None:
    first = parse_person_args(["郑榕", "高勇坤"])
    assert (first.name, first.rest) == ("郑榕", ["高勇坤"])
    printed = parse_person_args(["郑", "榕", "高", "勇坤"])
    assert (printed.name, printed.rest) == ("郑榕", ["高", "勇坤"])
    assert parse_person_args(printed.rest).name == "高勇坤"
    with_unit = parse_person_args(["郑榕", "高勇坤/区商务局"])
    assert parse_person_args(with_unit.rest).query == person_query("高勇坤/区商务局")


def test_invite_arguments() -> None:
    assert parse_person_args(["全部"], stop_words=ALL_WORDS).name == ""
    unit_after = parse_person_args(["张玉珍", "鼓东街道"], stop_words=ALL_WORDS)
    assert (unit_after.name, unit_after.rest) == ("张玉珍", ["鼓东街道"])


def test_name_bounds() -> None:
    assert valid_name("郑榕")
    assert valid_name("名" * MAX_NAME_LENGTH)
    assert not valid_name("名" * (MAX_NAME_LENGTH + 1))
    assert not valid_name("")
    assert not person_query("   ").valid
    assert not person_query("（副主任）").valid
    assert person_query(" 郑 榕 ", "区委 台港澳办") == person_query("郑榕/区委台港澳办")
