"""The kind of answer a question asks for, and whether an answer holds it."""

from __future__ import annotations

import pytest

from rag.expect import expected_kind, holds_kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How long did the talks last?", "duration"),
        ("How long is the bridge?", "duration"),
        ("How many foreign leaders attended?", "quantity"),
        ("By how much did exports grow?", "quantity"),
        ("How old is Kim Ju Ae?", "quantity"),
        ("When did Kim arrive?", "time"),
        ("On which day did she arrive?", "time"),
        ("In what year did they first meet?", "time"),
        ("What date was the parade?", "time"),
        ("Who accompanied Kim?", "name"),
        ("What was the date?", "time"),
        ("What was the calendar date of the summit?", "time"),
        ("What is the population of Pyongyang?", None),
        ("Why did Xi say that?", None),
        ("", None),
    ],
)
def test_expected_kind(question: str, kind: str | None) -> None:
    assert expected_kind(question) == kind


@pytest.mark.parametrize(
    ("answer", "kind", "holds"),
    [
        ("It took 20 hours [1].", "duration", True),
        ("The talks were held on Thursday evening [1].", "duration", False),
        # "how long" also asks for a length ("How long is the bridge?")
        ("The bridge is 1.4 kilometres long [1].", "duration", True),
        ("It spans 600 m [1].", "duration", True),
        ("The runway is 3,000 metres [1].", "duration", True),
        ("The line runs 12 miles [1].", "duration", True),
        ("The bridge is long [1].", "duration", False),
        ("The bridge crosses the Tumen river [1].", "duration", False),
        ("26 foreign leaders attended [1].", "quantity", True),
        ("Exports grew 33 percent.", "quantity", True),
        ("Many leaders attended.", "quantity", False),
        ("Kim Ju Ae is his daughter.", "quantity", False),
        ("He arrived on Tuesday [1].", "time", True),
        ("The summit was in September 2025.", "time", True),
        ("He arrived by train [1].", "time", False),
        ("The bond was forged in the 1950s [1].", "time", True),
        ("His daughter Kim Ju Ae [1].", "name", True),
        ("his daughter.", "name", False),
        ("Yonhap [1].", "name", True),  # a one-word name opening the answer
        ("His daughter.", "name", False),
        ("Three [1].", "name", False),
        ("Anything at all.", None, True),
    ],
)
def test_holds_kind(answer: str, kind: str | None, holds: bool) -> None:
    assert holds_kind(answer, kind) is holds
