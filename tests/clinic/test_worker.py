"""The background worker: queued tasks and periodic commands."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tasks import task

from clinic import worker

pytestmark = pytest.mark.django_db

ran = []


@task()
def remember(value):
    ran.append(value)


@pytest.fixture(autouse=True)
def clean_state(monkeypatch):
    ran.clear()
    monkeypatch.setattr(worker, "_periodic", {})


def test_run_worker_batch_runs_every_queued_task_and_exits():
    remember.enqueue("first")
    remember.enqueue("second")
    assert ran == []  # enqueueing runs nothing

    call_command("run_worker", "--batch", verbosity=0)

    assert sorted(ran) == ["first", "second"]
    call_command("run_worker", "--batch", verbosity=0)
    assert len(ran) == 2  # each task once


def test_periodic_commands_run_when_due_and_with_batch_periodic(monkeypatch):
    calls = []
    monkeypatch.setattr(worker, "call_command", lambda name, *args, **kwargs: calls.append(name))
    worker.periodic_command("send_pending_notifications", every=timedelta(minutes=5))

    assert worker.run_periodic_commands(now=1000.0) == ["send_pending_notifications"]
    assert worker.run_periodic_commands(now=1000.0 + 299) == []  # not due yet
    assert worker.run_periodic_commands(now=1000.0 + 300) == ["send_pending_notifications"]

    call_command("run_worker", "--batch", "--periodic", verbosity=0)
    assert calls == ["send_pending_notifications"] * 3


def test_a_failing_periodic_command_does_not_stop_the_others(monkeypatch, caplog):
    def fake(name, *args, **kwargs):
        if name == "broken":
            raise RuntimeError("boom")

    monkeypatch.setattr(worker, "call_command", fake)
    worker.periodic_command("broken", every=timedelta(minutes=1))
    worker.periodic_command("fine", every=timedelta(minutes=1))

    assert worker.run_periodic_commands() == ["fine"]
    assert "Periodic command broken failed" in caplog.text


def test_run_worker_refuses_a_backend_without_a_queue(settings, monkeypatch):
    from django_tasks.backends.immediate import ImmediateBackend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    backends = {"default": ImmediateBackend("default", settings.TASKS["default"])}
    monkeypatch.setattr("clinic.management.commands.run_worker.task_backends", backends)
    with pytest.raises(CommandError, match="no queue"):
        call_command("run_worker", "--batch", verbosity=0)
