"""disks actions."""
