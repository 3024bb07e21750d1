"""AppTest: the Traffic simulator page — sandbox seeder, API engine, validation, resume."""

from __future__ import annotations

import pytest

from lib.lab import sim_api, simulator
from lib.lab.simulator import SimEngine
from tests.app.conftest import open_page, texts

PAGE = "app_pages/build_simulator.py"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("MERCHANT_DB_URL", str(tmp_path / "merchant.sqlite3"))
    monkeypatch.setenv(sim_api.ENV_CHECKPOINT, str(tmp_path / "checkpoint.json"))


def finish(at, timeout=60):
    """Wait for the running simulation's thread to end, then rerun the page."""
    job = simulator.running_job()
    if job is not None:
        job.thread.join(timeout)
        assert not job.running, "the simulation did not finish in time"
    return at.run()


def test_bulk_seeder_fills_the_sandbox():
    at = open_page(PAGE)
    assert not at.exception
    at.number_input(key="sim_payments").set_value(400)
    at.slider(key="sim_decline").set_value(20.0)
    at.button[0].click().run()
    at = finish(at)
    assert not at.exception
    assert any("Done: 400 payments" in s for s in texts(at.success))
    stats = dict(zip(at.dataframe[0].value["what"], at.dataframe[0].value["count"]))
    assert stats["payments"] == 400 and 40 < stats["declined"] < 130


def test_invalid_mix_is_refused_with_a_message():
    at = open_page(PAGE)
    at.slider(key="sim_decline").set_value(50.0)
    at.slider(key="sim_3ds").set_value(50.0)
    at.slider(key="sim_dispute").set_value(5.0)
    at.button[0].click().run()
    assert "cannot exceed 100 %" in " ".join(texts(at.error))
    assert simulator.running_job() is None


def test_api_engine_runs_and_an_unfinished_run_can_resume(tmp_path):
    at = open_page(PAGE)
    engine = at.radio(key="sim_engine")
    assert engine.options == ["Bulk seeder (sandbox-only)", "Through the API"]
    engine.set_value(SimEngine.API).run()
    at.number_input(key="sim_payments").set_value(8)
    at.button[0].click().run()
    at = finish(at)
    assert any("Done: 8 payments" in s for s in texts(at.success))
    cp = sim_api.load_checkpoint()
    assert cp.status == "done" and not cp.resumable
    # An interrupted run left behind: the page offers to resume it.
    cp.status, cp.next_index = "canceled", 5
    sim_api.save_checkpoint(cp)
    at.run()
    assert any("Unfinished API run" in m for m in texts(at.markdown))
    at.button(key="sim_resume").click().run()
    at = finish(at)
    assert sim_api.load_checkpoint().status == "done"
