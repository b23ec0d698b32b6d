"""Task types: one module per `task_type`, registered by name in `task.registry`."""
