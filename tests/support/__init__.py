"""What the tests and the benchmarks share: sandboxes and the SDK on them (`sandboxes`), the
demo world's ids (`demo_world`) and the lab world (`lab_world`), MCP sessions over stdio
(`mcp`), the credentials servers sign with (`credentials`) and the scan for them
(`secret_scan`), decisions and confirmations (`decisions`), and journaled workflow steps on
the sandbox (`workflows`). Conftest files only declare fixtures built on these.
"""
