"""The embedded reference target: a stateful emulation of the documented BMS API.

It serves the BMS native endpoint and the ECS (Nova) endpoint on two loopback ports, as the
real cloud serves them on two hosts. It imports only ``bmscert.core``; the harness talks to
it over real HTTP like any other target. Where the documents are ambiguous it follows the
behaviour choices in its settings, never a guess.
"""
