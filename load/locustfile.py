"""Locust entry point for bmscert's load phase.

`bmscert run` (or `bmscert load`) starts Locust on this file with an open-model plan in the
environment: one generating user per load process, which fires every operation's arrivals at
their planned instants (see ``bmscert.runners.locust_users``).
"""

from bmscert.runners.locust_users import OpenModelUser

__all__ = ["OpenModelUser"]
