"""What the tests and the benchmarks share; conftest files only declare fixtures built on it.

- `sandboxes`: sandboxes in-process or in a child process, the SDK and the gateway on them
  (each driven through `ecs_dr.sandbox.control.SandboxControl`);
- `demo_world` (the seeded world's ids, read from its JSON), `lab_world`, `load_world`;
- `mcp`: MCP sessions over stdio (`mcp_session`, `mcp_session_on`, `Session`);
  `http_servers`: the server over streamable HTTP;
- `credentials` the servers sign with, and `secret_scan` for them; `figures` the suites print;
- `decisions`: decisions and confirmations, over MCP and on a workflow's answer;
- `workflows`, `scenario_a_steps`, `scenario_b_steps`: journaled workflow steps on the sandbox;
- `recoveries`: end-to-end steps and the cloud's state afterwards; `sdk_calls`: SDK calls and
  checks of the sandbox conformance tests; `markdown_tables`; `factories` of domain models.
"""
