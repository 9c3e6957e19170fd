"""The contract and settings declarations are the single source of their docs."""

from __future__ import annotations

from pathlib import Path

from mailreport import contract, settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_data_contract_doc_matches_the_declaration():
    text = (DOCS / "data-contract.md").read_text(encoding="utf-8")
    assert text == contract.render_markdown() + "\n", \
        "docs/data-contract.md is stale: run `mailreport contract-doc`"


def test_every_declared_column_is_in_the_doc():
    text = (DOCS / "data-contract.md").read_text(encoding="utf-8")
    for t in contract.TABLES:
        assert f"## {t.name}\n" in text
        for c in t.columns:
            assert f"| `{c.name}` |" in text


def test_settings_doc_matches_the_declaration():
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    assert text == settings.render_markdown()
    for s in settings.SETTINGS:
        assert f"`MAILREPORT_{s.name.upper()}`" in text and s.help in text


def test_settings_defaults_are_the_declared_ones():
    defaults = settings.Settings()
    for s in settings.SETTINGS:
        assert getattr(defaults, s.name) == s.default, s.name


def test_settings_priority_file_then_environment_then_flags(tmp_path, monkeypatch):
    cfg = tmp_path / "mailreport.toml"
    cfg.write_text('company_timezone = "Asia/Omsk"\nattribution_window_days = 3\n')
    monkeypatch.setenv("MAILREPORT_ATTRIBUTION_WINDOW_DAYS", "5")
    got = settings.load_settings(cfg, basis_stage_email="clicked")
    assert (got.company_timezone, got.attribution_window_days, got.basis_stage_email) == (
        "Asia/Omsk", 5, "clicked")


def test_bad_settings_name_the_setting(tmp_path):
    import pytest

    cfg = tmp_path / "bad.toml"
    cfg.write_text('company_timezone = "Nowhere/City"\n')
    with pytest.raises(settings.SettingsError, match="company_timezone"):
        settings.load_settings(cfg)
    cfg.write_text('colour = "blue"\n')
    with pytest.raises(settings.SettingsError, match="unknown setting"):
        settings.load_settings(cfg)
    with pytest.raises(settings.SettingsError, match="basis_stage_sms"):
        settings.Settings(basis_stage_sms="opened")


def test_every_reference_points_at_a_declared_column():
    for t in contract.TABLES:
        for c in t.columns:
            if c.references:
                table, column = c.references.split(".")
                assert column in contract.table(table).column_names
        for k in t.key:
            assert k in t.column_names
