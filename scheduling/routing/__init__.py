"""Routing: the plan of which skill each agent works, and real-time contact assignment."""
