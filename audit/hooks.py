"""What other apps may hang on the trail: `event_recorded` is sent for each event as it is
recorded, inside the action's transaction (before it joins the chain at the commit), with the
event as `event`. A receiver that writes joins that transaction: its rows exist exactly when the
action committed (the webhooks' outbox, `integrations`)."""

from django.dispatch import Signal

event_recorded = Signal()
