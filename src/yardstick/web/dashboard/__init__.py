"""The dashboard pages: `/dashboards` (the list) and `/dashboards/{id}` (every widget drawn)."""
