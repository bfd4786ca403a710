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
