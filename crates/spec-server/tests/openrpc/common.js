// Fetches a server's OpenRPC document by calling rpc.discover over HTTP.
"use strict";

async function discover(url) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", method: "rpc.discover", id: 1 }),
  });
  const reply = await response.json();
  if (reply.error || reply.result === undefined) {
    throw new Error(`rpc.discover failed: ${JSON.stringify(reply)}`);
  }
  return reply.result;
}

module.exports = { discover };
