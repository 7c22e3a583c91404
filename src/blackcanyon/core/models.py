from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from blackcanyon.core import clock


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.updated_at = clock.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "updated_at"}
        super().save(*args, **kwargs)


class AuditLog(models.Model):
    """Append-only record of every change, written in the same transaction as the change.

    The application role has no UPDATE/DELETE privilege on this table (PostgreSQL); the model
    refuses both as well. Privacy erasure redacts ``data`` through a system job, never deletes.
    """

    created_at = models.DateTimeField(default=clock.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    organizer = models.ForeignKey(
        "organizers.Organizer",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organizer", "-created_at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuntimeError("Audit log entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("Audit log entries are append-only")


class ScheduleSlot(models.Model):
    """One run of a periodic job (config/schedule.py): inserted in the transaction that enqueues
    it, unique per (job, slot start), so with several workers each slot is enqueued once."""

    job = models.CharField(max_length=200)
    slot_start = models.DateTimeField()
    worker_id = models.CharField(max_length=64)
    # Random per claim: tells the worker whose INSERT won the slot.
    token = models.CharField(max_length=32)
    enqueued_at = models.DateTimeField(default=clock.now)
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "slot_start"], name="scheduleslot_unique_slot")
        ]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot_start:%Y-%m-%d %H:%M:%S}"
