"""Operating a Yardstick process: structured logs (`logs`), run events (`runs`) and Prometheus
metrics (`metrics`, served by `endpoints` at `GET /metrics`).

`logs` and `metrics` are leaves (standard library and prometheus_client only), so the engine,
the provider layer and the HTTP app can all import them without import cycles.
"""
