"""Zep Cloud (REST v4): chat history, the temporal graph, users.

Wiring::

    http = zep_http_client(settings.zep_base_url, api_key, timeout)
    client = ZepClient(http)
    ZepUserDirectory(client, links)
    ZepChatHistory(client, links, ignore_roles=settings.zep_ignore_roles)
    ZepGraphMemory(client, links)
    ZepContext(client, links)
"""

from hybridmem.adapters.zep.client import ZepClient, zep_http_client
from hybridmem.adapters.zep.context import ZepContext
from hybridmem.adapters.zep.graph import ZepGraphMemory
from hybridmem.adapters.zep.history import ZepChatHistory
from hybridmem.adapters.zep.users import ZepUserDirectory

__all__ = [
    "ZepChatHistory",
    "ZepClient",
    "ZepContext",
    "ZepGraphMemory",
    "ZepUserDirectory",
    "zep_http_client",
]
