"""The MCP delivery layer: the memory tools (tools.py) over stdio (``hybridmem mcp``,
stdio.py) and over streamable HTTP at ``/mcp`` on the service (http.py)."""
