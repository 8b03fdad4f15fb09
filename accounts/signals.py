"""What this app tells the apps above it, which it does not import.

Sent explicitly by the services, inside their transaction, never from a model's save or delete.
"""

from django.dispatch import Signal

# A person is being erased (`services.person_erase`): forget them. Arguments: `person_id`.
person_erased = Signal()
