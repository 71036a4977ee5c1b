"""Questions in plain language, English and Chinese: a deterministic parser (text -> typed
:class:`~features.ask.parser.Query`) and the answers computed from frames
(:mod:`features.ask.answer`). Pure: the store reads and the endpoint live in the API."""
