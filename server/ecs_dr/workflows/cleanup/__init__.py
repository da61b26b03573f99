"""Cleanup of one operation (a DR drill): find what it created (`inventory`), then delete it
in order (`execute`); `lookups` reads what the cloud shows now."""

from ecs_dr.workflows.cleanup.execute import execute_cleanup
from ecs_dr.workflows.cleanup.inventory import find_orphans, inventory, orphan_inventory
from ecs_dr.workflows.cleanup.lookups import tagged_resources

__all__ = ["execute_cleanup", "find_orphans", "inventory", "orphan_inventory", "tagged_resources"]
