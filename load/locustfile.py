"""Locust entry point for bmscert's load phase.

`bmscert run` starts Locust on this file with the load plan in the environment; the users
(one per operation, each at a fraction of its documented ceiling) come from the catalogue
through ``bmscert.runners.locust_users``.
"""

from bmscert.runners.locust_users import define_users

globals().update(define_users())
