-- wrk: generateIntegers (n=1, a die) with the key in RANDOMD_KEY, on every request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json-rpc"
wrk.body = '{"jsonrpc":"2.0","method":"' .. (os.getenv("RANDOMD_METHOD") or "generateIntegers") ..
  '","params":{"apiKey":"' .. os.getenv("RANDOMD_KEY") .. '","n":1,"min":1,"max":6},"id":1}'

function done(summary, latency, requests)
  io.write(string.format("completed=%d non_2xx=%d\n", summary.requests, summary.errors.status))
end
