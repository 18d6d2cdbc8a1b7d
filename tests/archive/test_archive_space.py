"""The disk quota's rule, without a disk: what goes, in which order, and when nothing does."""

from __future__ import annotations

from bot.domain.archive_space import DiskFile, plan_space


def _file(name: str, size: int, when: float, referenced: bool = False) -> DiskFile:
    return DiskFile(name * 64, size, when, referenced)


def test_oldest_unreferenced_files_go_first_and_only_as_many_as_needed() -> None:
    files = [_file("a", 40, 1.0), _file("b", 30, 2.0, referenced=True), _file("c", 20, 3.0)]
    assert plan_space(files, 10, 100).evict == ()  # 90 + 10 fits
    plan = plan_space(files, 25, 100)
    assert plan.fits and plan.evict == ("a" * 64,)  # 40 freed is enough; c is newer
    plan = plan_space(files, 65, 100)
    assert plan.fits and plan.evict == ("a" * 64, "c" * 64)


def test_nothing_goes_when_even_everything_unreferenced_would_not_make_room() -> None:
    files = [_file("a", 40, 1.0), _file("b", 50, 2.0, referenced=True)]
    plan = plan_space(files, 70, 100)
    assert not plan.fits and plan.evict == () and plan.freeable == 40 and plan.used == 90


def test_the_new_file_itself_is_never_pushed_out() -> None:
    files = [_file("a", 60, 1.0)]
    assert not plan_space(files, 50, 100, keep=["a" * 64]).fits
