"""The services object the surfaces share: deferred work and closing."""

from __future__ import annotations

import threading

from bot.services import Services
from bot.settings import load_settings


def test_closing_lets_deferred_work_that_has_started_finish_first(tmp_path):
    services = Services(load_settings(database_url=f"sqlite:///{(tmp_path / 's.db').as_posix()}",
                                      embeddings="none"))
    started, release = threading.Event(), threading.Event()
    done: list[str] = []
    seen_when_closed: list[list[str]] = []

    def answer():
        started.set()
        release.wait(10)
        done.append("answered")

    services.defer(answer)
    assert started.wait(10)

    def close():
        services.close()
        seen_when_closed.append(list(done))

    closer = threading.Thread(target=close)
    closer.start()
    closer.join(0.3)  # close must not return while the answer is still being worked out
    assert closer.is_alive() and not seen_when_closed
    release.set()
    closer.join(10)
    assert seen_when_closed == [["answered"]]


def test_waiting_for_idle_covers_work_that_deferred_work_defers(tmp_path):
    services = Services(load_settings(database_url=f"sqlite:///{(tmp_path / 's.db').as_posix()}",
                                      embeddings="none"))
    release = threading.Event()
    done: list[str] = []

    def follow_up():
        release.wait(10)
        done.append("follow-up")

    def answer():
        done.append("answer")
        services.defer(follow_up)

    try:
        assert services.wait_idle(timeout=1.0)  # nothing deferred yet
        services.defer(answer)
        assert not services.wait_idle(timeout=0.2)  # the follow-up is still waiting
        assert done == ["answer"]
        release.set()
        assert services.wait_idle(timeout=10.0)
        assert done == ["answer", "follow-up"]
    finally:
        release.set()
        services.close()
