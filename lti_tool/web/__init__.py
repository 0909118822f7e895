"""The web application's ground floor: settings, database, shared store, error pages, request log, health check,
outbound HTTP, the instance folder and the bank the app delivers. Nothing here knows LTI; everything else builds on
it."""
