"""ecs-dr-mcp: cross-zone disaster recovery backups of Alibaba Cloud ECS instances over MCP."""
