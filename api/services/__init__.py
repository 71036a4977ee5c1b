"""Work the routers and the CLI share, one module per concern: jobs and their tasks, alerting
and webhooks, the routing cache, and the compositions that read through the stores and call the
pure packages (actuals beside forecasts, the intraday day, people, the published week)."""
