-- wrk: POST a batch of 100 JSON-RPC calls, subtract(42, 23) with ids 1..100, on every request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local calls = {}
for id = 1, 100 do
  calls[id] = string.format('{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":%d}', id)
end
wrk.body = "[" .. table.concat(calls, ",") .. "]"

function done(summary, latency, requests)
  io.write(string.format("non_2xx=%d\n", summary.errors.status))
end
