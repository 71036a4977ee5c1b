"""Measures: pure functions over record frames (interval histories, occupancy, KPIs, adherence,
agent performance, the wallboard's real-time figures and alert rules)."""
