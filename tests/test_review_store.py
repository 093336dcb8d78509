"""The store's peer-review tables: reviews (one per reviewer), problem reports, uptake,
notices to publishers."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from registry.models import ProblemReport, Review, Uptake
from registry.store import open_store


def test_reviews_reports_uptake_and_notices(tmp_path: Path) -> None:
    store = open_store(tmp_path / "r.sqlite3")
    store.save_review(Review(record_id="o1", reviewer="a", clarity=4, completeness=3, usefulness=5))
    store.save_review(Review(record_id="o1", reviewer="b", clarity=2, completeness=2, usefulness=2))
    store.save_review(Review(record_id="o1", reviewer="a", clarity=5, completeness=5, usefulness=5))
    reviews = store.reviews("o1")
    assert [(r.reviewer, r.clarity) for r in reviews] == [("b", 2), ("a", 5)]
    assert store.reviews("o2") == []

    first = store.add_report(ProblemReport(record_id="o1", reporter="b", kind="stale"))
    store.add_report(
        ProblemReport(record_id="o1", reporter="c", kind="lapsed-patent", detail="EP lapsed")
    )
    assert first.id is not None and first.at is not None
    assert len(store.reports("o1", open_only=True)) == 2
    assert store.resolve_report(first.id)
    assert not store.resolve_report(first.id)
    assert [r.kind for r in store.reports("o1", open_only=True)] == ["lapsed-patent"]
    assert len(store.reports("o1")) == 2

    store.add_uptake(Uptake(record_id="o1", reporter="d", note="licensed"))
    assert [u.reporter for u in store.uptake("o1")] == ["d"]

    assert store.notify("tto", "o1", "report", "stale offer")
    assert not store.notify("tto", "o1", "report", "stale offer")
    store.notify("tto", "o2", "review-due", "due")
    notices = store.notices("tto")
    assert [n.kind for n in notices] == ["report", "review-due"]
    assert store.mark_notices_read("tto", [notices[0].id]) == 1
    assert [n.kind for n in store.notices("tto", unread_only=True)] == ["review-due"]
    assert store.notices("someone-else") == []
    store.close()


@pytest.mark.parametrize("mark", [-1, 6])
def test_review_marks_are_0_to_5(mark: int) -> None:
    with pytest.raises(ValidationError):
        Review(record_id="o", reviewer="a", clarity=mark, completeness=0, usefulness=0)


def test_report_kind_is_checked() -> None:
    with pytest.raises(ValidationError):
        ProblemReport(record_id="o", reporter="a", kind="boring")  # type: ignore[arg-type]
