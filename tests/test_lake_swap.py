"""Swapping a lake's folders (store/lake_swap.py): a writer cut short at any rename
leaves a journal that the next opener rolls forward to the writer's end state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailreport.store import lake_swap
from mailreport.store.lake_swap import JOURNAL, LakeBusy, Move


def tree(folder: Path) -> dict[str, str]:
    """The lake's tables: every file not under a hidden folder, with its content."""
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).parts[0].startswith(("_", "."))}


def old_lake(root: Path) -> Path:
    """A lake of two tables."""
    lake = root / "lake"
    for rel, text in {"customers/part-0.parquet": "old customers",
                      "events/mailing_id=M1/part-0.parquet": "old M1",
                      "events/mailing_id=M2/part-0.parquet": "old M2"}.items():
        (lake / rel).parent.mkdir(parents=True, exist_ok=True)
        (lake / rel).write_text(text)
    return lake


def staged_load(lake: Path) -> list[Move]:
    """A load's new folders, written as a writer does once it holds the lake: one
    table replaced, one partition of the other replaced and one added."""
    staged = "_loading/L1/tables"
    for rel, text in {"customers/part-9.parquet": "new customers",
                      "events/mailing_id=M1/part-9.parquet": "new M1",
                      "events/mailing_id=M3/part-9.parquet": "new M3"}.items():
        (lake / staged / rel).parent.mkdir(parents=True, exist_ok=True)
        (lake / staged / rel).write_text(text)
    return [Move(f"{staged}/customers", "customers", "_trash/L1/customers"),
            *(Move(f"{staged}/events/mailing_id={m}", f"events/mailing_id={m}",
                   f"_trash/L1/events/mailing_id={m}") for m in ("M1", "M3"))]


AFTER = {"customers/part-9.parquet": "new customers",
         "events/mailing_id=M1/part-9.parquet": "new M1",
         "events/mailing_id=M2/part-0.parquet": "old M2",
         "events/mailing_id=M3/part-9.parquet": "new M3"}


def test_a_swap_puts_the_new_folders_in_place_and_the_old_in_the_trash(tmp_path):
    lake = old_lake(tmp_path)
    with lake_swap.writing(lake):
        lake_swap.swap(lake, staged_load(lake))
    assert tree(lake) == AFTER
    assert (lake / "_trash/L1/events/mailing_id=M1/part-0.parquet").read_text() == "old M1"
    assert not (lake / JOURNAL).exists()
    assert not lake_swap.recover(lake)


class Crash(BaseException):
    """Stands for the process dying: nothing after it runs."""


@pytest.mark.parametrize("renames_done", range(5))  # 5 renames: 2, 1 (M3 is new), 2
def test_a_writer_dying_after_any_rename_is_rolled_forward(tmp_path, monkeypatch, renames_done):
    lake = old_lake(tmp_path)
    real_move, done = lake_swap._move, []

    def dying_move(source, destination):
        if len(done) == renames_done:
            raise Crash
        real_move(source, destination)
        done.append(destination)

    monkeypatch.setattr(lake_swap, "_move", dying_move)
    with pytest.raises(Crash), lake_swap.writing(lake):
        lake_swap.swap(lake, staged_load(lake))
    monkeypatch.setattr(lake_swap, "_move", real_move)
    assert json.loads((lake / JOURNAL).read_text())["moves"][0]["target"] == "customers"
    if renames_done == 0:
        assert tree(lake) == {"customers/part-0.parquet": "old customers",
                              "events/mailing_id=M1/part-0.parquet": "old M1",
                              "events/mailing_id=M2/part-0.parquet": "old M2"}
    assert lake_swap.recover(lake)
    assert tree(lake) == AFTER
    assert not (lake / JOURNAL).exists()


def test_a_writer_dying_before_removing_its_journal_leaves_a_finished_swap(tmp_path,
                                                                          monkeypatch):
    lake = old_lake(tmp_path)

    def dying(lake):
        raise Crash

    monkeypatch.setattr(lake_swap, "_remove_journal", dying)
    with pytest.raises(Crash), lake_swap.writing(lake):
        lake_swap.swap(lake, staged_load(lake))
    monkeypatch.undo()
    assert lake_swap.recover(lake)
    assert tree(lake) == AFTER


def test_the_next_writer_rolls_forward_and_clears_what_earlier_ones_left(tmp_path,
                                                                        monkeypatch):
    lake = old_lake(tmp_path)
    monkeypatch.setattr(lake_swap, "_move", lambda source, destination: (_ for _ in ()).throw(
        Crash))
    with pytest.raises(Crash), lake_swap.writing(lake):
        lake_swap.swap(lake, staged_load(lake))
    monkeypatch.undo()
    with lake_swap.writing(lake):
        assert tree(lake) == AFTER
        assert not (lake / "_loading").exists() and not (lake / "_trash").exists()


def test_one_writer_at_a_time(tmp_path):
    lake = tmp_path / "lake"
    with (lake_swap.writing(lake), pytest.raises(LakeBusy, match="another process is writing"),
          lake_swap.writing(lake)):
        pass
    with lake_swap.writing(lake):  # the lock went with its holder
        pass


def test_an_object_store_lake_has_nothing_to_recover():
    assert not lake_swap.recover("s3a://bucket/lake")
