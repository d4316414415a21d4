// Node's jayson (5.x) calling the spec example server over HTTP, WebSocket and newline-delimited TCP.
// Usage: node node_peer.js HTTP_URL WS_URL TCP_HOST TCP_PORT. Prints "N passed, N failed".
'use strict';
const assert = require('assert');
const jayson = require('jayson/promise');

const [httpUrl, wsUrl, tcpHost, tcpPort] = process.argv.slice(2);
let passed = 0;
let failed = 0;

async function check(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`ok   ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${name}: ${error && error.stack ? error.stack : error}`);
  }
}

async function exercise(transport, client) {
  await check(`${transport} subtract by position`, async () => {
    const response = await client.request('subtract', [42, 23]);
    assert.strictEqual(response.jsonrpc, '2.0');
    assert.strictEqual(response.result, 19);
  });
  await check(`${transport} subtract by name`, async () => {
    const response = await client.request('subtract', { subtrahend: 23, minuend: 42 });
    assert.strictEqual(response.result, 19);
  });
  await check(`${transport} sum and get_data`, async () => {
    assert.strictEqual((await client.request('sum', [1, 2, 4])).result, 7);
    assert.deepStrictEqual((await client.request('get_data', [])).result, ['hello', 5]);
  });
  await check(`${transport} method not found`, async () => {
    const response = await client.request('foobar', []);
    assert.deepStrictEqual(response.error, { code: -32601, message: 'Method not found' });
  });
  await check(`${transport} invalid params`, async () => {
    const response = await client.request('subtract', [42]);
    assert.strictEqual(response.error.code, -32602);
    assert.strictEqual(response.error.data, 'missing parameter `subtrahend`');
  });
  await check(`${transport} notification`, async () => {
    const response = await client.request('update', [1, 2, 3, 4, 5], null);
    assert.ok(response === undefined || response === null || response === '', `got ${JSON.stringify(response)}`);
  });
  await check(`${transport} batch with a notification`, async () => {
    const batch = [
      client.request('sum', [1, 2, 4], 'a', false),
      client.request('notify_hello', [7], null, false),
      client.request('subtract', [42, 23], 'b', false),
      client.request('get_data', [], 'c', false),
    ];
    const responses = await client.request(batch);
    assert.strictEqual(responses.length, 3);
    const byId = Object.fromEntries(responses.map((r) => [r.id, r.result]));
    assert.deepStrictEqual(byId, { a: 7, b: 19, c: ['hello', 5] });
  });
}

(async () => {
  await exercise('HTTP', jayson.client.http(httpUrl));
  await exercise('TCP', jayson.client.tcp({ host: tcpHost, port: Number(tcpPort) }));
  const ws = jayson.client.websocket({ url: wsUrl, timeout: 5000 });
  await new Promise((resolve, reject) => {
    ws.ws.once('open', resolve);
    ws.ws.once('error', reject);
  });
  await exercise('WebSocket', ws);
  ws.ws.close();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
})().catch((error) => {
  console.log(`FAIL ${error.stack || error}`);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
