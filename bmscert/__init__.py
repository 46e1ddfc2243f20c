"""bmscert: a certification harness for the Bare Metal Server (BMS) API.

The layers import one way (see ARCHITECTURE.md): ``core`` (catalogue, schemas, profiles,
HTTP, events) is used by ``checks``, both are used by ``runners`` (pytest plugin, Locust
users, run orchestration), and ``reporting`` reads the event stream the runners write.
``target`` is the embedded reference target; it imports ``core`` only.
"""

__version__ = "0.1.0"
