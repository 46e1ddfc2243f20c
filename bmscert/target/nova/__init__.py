"""Handlers of the OpenStack-native Nova v2.1 subset, served on the ECS endpoint."""

from bmscert.target.nova import (  # noqa: F401  (importing registers the handlers)
    actions,
    flavors,
    keypairs,
    metadata,
    networking,
    servers,
    tags,
    versions,
    volumes,
)
