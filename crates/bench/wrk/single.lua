-- wrk: POST one JSON-RPC call, subtract(42, 23), on every request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}'

-- No response() callback: it would make wrk run Lua on every reply and slow the load generator.
-- wrk counts HTTP statuses above 399 in summary.errors.status; the script reports it.
function done(summary, latency, requests)
  io.write(string.format("non_2xx=%d\n", summary.errors.status))
end
