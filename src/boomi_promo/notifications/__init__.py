"""Notifications of promotion events by e-mail and webhooks, derived from the audit trail.

:mod:`events` decides what is announced and says it, :mod:`formats` renders it per channel,
:mod:`channels` sends it, :mod:`dispatcher` reads the audit trail, queues, retries and records
deliveries; ``promo notifications test`` (:mod:`cli`) checks the configured channels.
"""

from boomi_promo.notifications.channels import (
    Channel,
    DeliveryError,
    build_channels,
)
from boomi_promo.notifications.dispatcher import NotificationDispatcher, dispatch_forever
from boomi_promo.notifications.events import Notification

__all__ = [
    "Channel",
    "DeliveryError",
    "Notification",
    "NotificationDispatcher",
    "build_channels",
    "dispatch_forever",
]
