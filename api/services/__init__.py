"""Work shared by the routers and the CLI: jobs and their tasks, alerting, webhooks, routing
caches, intraday compositions."""
