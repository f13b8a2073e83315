"""The core API's routers: a few lines per route that parse, call one service method and shape the reply."""
