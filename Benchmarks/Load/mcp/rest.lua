-- wrk: POST /v1/workflows/add with {"a":1,"b":2} (the request is built once: no per-request Lua).
wrk.method = "POST"
wrk.body = '{"a":1,"b":2}'
wrk.headers["Content-Type"] = "application/json"
