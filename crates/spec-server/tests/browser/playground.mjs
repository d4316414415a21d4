// Drives /playground in Debian's Chromium against a real spec-server. Started by
// crates/jrpc-cli/tests/playground.rs, which passes: the page's URL, the corpus file, the file
// holding `jrpc check --json` on that corpus, and the folder for screenshots.
// Fails on any console error or uncaught exception except the network errors a step expects.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [pageUrl, corpusFile, cliFile, shotDir, rulesFile] = process.argv.slice(2);
if (!pageUrl || !corpusFile || !cliFile || !shotDir || !rulesFile) {
  console.error('usage: node playground.mjs PAGE_URL CORPUS CLI_JSON SCREENSHOT_DIR RULES_JSON');
  process.exit(2);
}
fs.mkdirSync(shotDir, { recursive: true });
const rpcUrl = new URL('/', pageUrl).href;

// ------------------------------------------------------------ a stub peer on loopback
// An OpenRPC document from another origin (with a string parameter, which spec-server has not),
// a server that does not know rpc.discover (/no-discover), an HTML answer, and a WebSocket that
// pushes one notification and closes. The real spec-server's own rpc.discover is tested too.
const OPENRPC = {
  openrpc: '1.2.6',
  info: { title: 'Stub service', version: '1.0.0' },
  methods: [
    {
      name: 'subtract', summary: 'Subtracts the subtrahend from the minuend.', description: 'The example of the JSON-RPC 2.0 specification, section 7.',
      paramStructure: 'by-name',
      params: [
        { name: 'minuend', required: true, description: 'the number to subtract from', schema: { type: 'number' } },
        { name: 'subtrahend', required: true, schema: { type: 'number' } },
      ],
      result: { name: 'difference', schema: { type: 'number' } },
      examples: [{ name: '42 minus 23', params: [{ name: 'minuend', value: 42 }, { name: 'subtrahend', value: 23 }], result: { name: 'difference', value: 19 } }],
    },
    { name: 'greet', description: 'Says hello.', params: [{ name: 'name', schema: { type: 'string' } }], result: { name: 'greeting', schema: { type: 'string' } } },
  ],
};
const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'content-type', 'Access-Control-Allow-Methods': 'POST' };
const stub = http.createServer((req, res) => {
  if (req.method === 'OPTIONS') { res.writeHead(204, cors); res.end(); return; }
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    if (req.url === '/html') {
      res.writeHead(200, { ...cors, 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>');
      return;
    }
    let id = null;
    try { id = JSON.parse(body).id ?? null; } catch { /* answered below */ }
    res.writeHead(200, { ...cors, 'Content-Type': 'application/json' });
    if (req.url === '/no-discover') {
      res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id }));
      return;
    }
    res.end(JSON.stringify({ jsonrpc: '2.0', result: OPENRPC, id }));
  });
});
stub.on('upgrade', (req, socket) => {
  const accept = crypto.createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  socket.once('data', () => {
    const push = Buffer.from('{"jsonrpc":"2.0","method":"tick","params":[1]}');
    socket.write(Buffer.concat([Buffer.from([0x81, push.length]), push]));
    const reason = Buffer.from('going away');
    setTimeout(() => {
      socket.write(Buffer.concat([Buffer.from([0x88, reason.length + 2, 0x03, 0xe9]), reason]));
      setTimeout(() => socket.destroy(), 100);
    }, 100);
  });
  socket.on('error', () => {});
});
await new Promise((resolve) => stub.listen(0, '127.0.0.1', resolve));
const stubUrl = `http://127.0.0.1:${stub.address().port}`;
// A loopback port nobody listens on (Chromium refuses low "unsafe" ports such as 1 by itself).
const closedPort = await new Promise((resolve) => {
  const probe = http.createServer();
  probe.listen(0, '127.0.0.1', () => { const { port } = probe.address(); probe.close(() => resolve(port)); });
});

// ------------------------------------------------------------ the browser
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
const problems = [];
let expected = []; // console errors the current step expects (network failures Chromium logs itself)
function watch(page) {
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    if (expected.some((re) => re.test(m.text()))) return;
    problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
}
let page = await context.newPage();
watch(page);

let passed = 0;
let failed = 0;
let shot = 0;
async function screenshot(name, fullPage = true) {
  shot += 1;
  await page.screenshot({ path: path.join(shotDir, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage });
}
async function step(name, fn) {
  const before = problems.length;
  try {
    await fn();
    if (problems.length > before) throw new Error(problems.slice(before).join('\n'));
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`FAILED - ${name}\n${e.stack ?? e}`);
    try { await screenshot(`FAILED-${name.replace(/\W+/g, '-')}`); } catch { /* ignore */ }
  } finally {
    expected = [];
  }
}

const editor = () => page.inputValue('#editor');
async function fresh() {
  await page.click('#new-message');
  await page.selectOption('#layout', 'compact');
}
/** Composes request n by clicking and typing. params: array of [value, type] or of [name, value, type]. */
async function request(n, { method, params, named = false, id }) {
  const p = `#el${n}`;
  await page.fill(`${p}-method`, method);
  if (params) {
    await page.selectOption(`${p}-params-mode`, named ? 'name' : 'position');
    for (let i = 0; i < params.length; i++) {
      if (i > 0) await page.click(`${p}-add-param`);
      const q = `${p}-param${i + 1}`;
      const [name, value, type] = named ? params[i] : ['', ...params[i]];
      if (named) await page.fill(`${q}-name`, name);
      await page.fill(`${q}-value`, value);
      await page.selectOption(`${q}-type`, type ?? 'json');
    }
  }
  if (id === undefined) {
    await page.selectOption(`${p}-id-mode`, 'none');
  } else if (typeof id === 'number') {
    await page.selectOption(`${p}-id-mode`, 'number');
    await page.fill(`${p}-id`, String(id));
  } else if (id === null) {
    await page.selectOption(`${p}-id-mode`, 'null');
  } else {
    await page.selectOption(`${p}-id-mode`, 'string');
    await page.fill(`${p}-id`, id);
  }
}
async function sendAndWait() {
  await page.click('#send');
  await page.waitForFunction(() => !/^Sending|^Opening|waiting for the reply/.test(document.getElementById('status').textContent), null, { timeout: 20000 });
  return page.textContent('#status');
}
const body = async () => JSON.parse(await page.textContent('#response-body'));
const pairs = () => page.$$eval('#pairs-table tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));

await page.goto(pageUrl);
await page.waitForSelector('#el1-method');

await step('the page loads offline with every control labelled', async () => {
  const unlabelled = await page.$$eval('input, select, textarea', (nodes) => nodes.filter((n) => !n.labels?.length && !n.getAttribute('aria-label')).map((n) => n.id || n.outerHTML));
  assert.deepEqual(unlabelled, []);
  assert.equal(await page.inputValue('#url'), rpcUrl);
  await screenshot('start');
});

// ------------------------------------------------------------ seeds/002's four examples
await step("seeds/002 example 1: positional params", async () => {
  await fresh();
  await request(1, { method: 'subtract', params: [['42'], ['23']], id: 1 });
  assert.equal(await editor(), '{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}');
  assert.match(await page.textContent('#verdict'), /^valid request/);
  assert.match(await sendAndWait(), /HTTP 200/);
  assert.deepEqual(await body(), { jsonrpc: '2.0', result: 19, id: 1 });
  await screenshot('seed-positional-sent');
});
await step('seeds/002 example 2: named params', async () => {
  await fresh();
  await request(1, { method: 'subtract', params: [['minuend', '42'], ['subtrahend', '23']], named: true, id: 2 });
  assert.equal(await editor(), '{"jsonrpc":"2.0","method":"subtract","params":{"minuend":42,"subtrahend":23},"id":2}');
  await sendAndWait();
  assert.deepEqual(await body(), { jsonrpc: '2.0', result: 19, id: 2 });
});
await step('seeds/002 example 3: a notification gets 204, shown as no reply', async () => {
  await fresh();
  await request(1, { method: 'update', params: [['1'], ['2'], ['3']] });
  assert.equal(await editor(), '{"jsonrpc":"2.0","method":"update","params":[1,2,3]}');
  assert.match(await page.textContent('#verdict'), /^valid notification/);
  const status = await sendAndWait();
  assert.match(status, /HTTP 204/);
  assert.match(status, /no reply, as the specification requires/);
  await screenshot('notification-204');
});
await step('seeds/002 example 4: an error response, by its code name', async () => {
  await fresh();
  await page.selectOption('#el1-kind', 'error');
  await page.selectOption('#el1-code-name', '-32601');
  await page.selectOption('#el1-id-mode', 'number');
  await page.fill('#el1-id', '3');
  assert.equal(await editor(), '{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":3}');
  assert.match(await page.textContent('#verdict'), /^valid error response/);
  await screenshot('error-response');
});

// ------------------------------------------------------------ the specification's section 7
const spec7 = [
  [{ method: 'subtract', params: [['42'], ['23']], id: 1 }, '{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}', { jsonrpc: '2.0', result: 19, id: 1 }],
  [{ method: 'subtract', params: [['23'], ['42']], id: 2 }, '{"jsonrpc":"2.0","method":"subtract","params":[23,42],"id":2}', { jsonrpc: '2.0', result: -19, id: 2 }],
  [{ method: 'subtract', params: [['subtrahend', '23'], ['minuend', '42']], named: true, id: 3 }, '{"jsonrpc":"2.0","method":"subtract","params":{"subtrahend":23,"minuend":42},"id":3}', { jsonrpc: '2.0', result: 19, id: 3 }],
  [{ method: 'subtract', params: [['minuend', '42'], ['subtrahend', '23']], named: true, id: 4 }, '{"jsonrpc":"2.0","method":"subtract","params":{"minuend":42,"subtrahend":23},"id":4}', { jsonrpc: '2.0', result: 19, id: 4 }],
  [{ method: 'update', params: [['1'], ['2'], ['3'], ['4'], ['5']] }, '{"jsonrpc":"2.0","method":"update","params":[1,2,3,4,5]}', null],
  [{ method: 'foobar' }, '{"jsonrpc":"2.0","method":"foobar"}', null],
  [{ method: 'foobar', id: '1' }, '{"jsonrpc":"2.0","method":"foobar","id":"1"}', { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: '1' }],
];
for (const [spec, text, answer] of spec7) {
  await step(`section 7: ${text}`, async () => {
    await fresh();
    await request(1, spec);
    assert.equal(await editor(), text);
    const status = await sendAndWait();
    if (answer === null) assert.match(status, /204.*no reply, as the specification requires/);
    else assert.deepEqual(await body(), answer);
  });
}
await step('section 7: an error response is decoded by code name', async () => {
  assert.match((await pairs())[0][2], /-32601 \(Method not found\): Method not found/);
});

const spec7Batch = '[{"jsonrpc":"2.0","method":"sum","params":[1,2,4],"id":"1"},{"jsonrpc":"2.0","method":"notify_hello","params":[7]},{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":"2"},{"foo":"boo"},{"jsonrpc":"2.0","method":"foo.get","params":{"name":"myself"},"id":"5"},{"jsonrpc":"2.0","method":"get_data","id":"9"}]';
await step('section 7: the batch with a notification and an invalid element, composed and paired', async () => {
  await fresh();
  await request(1, { method: 'sum', params: [['1'], ['2'], ['4']], id: '1' });
  await page.click('#add-element');
  await request(2, { method: 'notify_hello', params: [['7']] });
  await page.click('#add-element');
  await request(3, { method: 'subtract', params: [['42'], ['23']], id: '2' });
  await page.click('#add-element');
  await page.selectOption('#el4-kind', 'raw');
  await page.fill('#el4-raw', '{"foo": "boo"}');
  await page.click('#add-element');
  await request(5, { method: 'foo.get', params: [['name', 'myself', 'string']], named: true, id: '5' });
  await page.click('#add-element');
  await request(6, { method: 'get_data', id: '9' });
  assert.equal(await editor(), spec7Batch);
  assert.match(await page.textContent('#verdict'), /invalid batch of 6: 4 requests, 1 notification, 1 invalid element/);
  assert.match(await page.textContent('#errors'), /element 4: neither a request/);
  await sendAndWait();
  const rows = await pairs();
  assert.deepEqual(rows.map((r) => r[1]), ['sum (id "1")', 'notify_hello', 'subtract (id "2")', '{"foo":"boo"}', 'foo.get (id "5")', 'get_data (id "9")']);
  assert.deepEqual(rows.map((r) => r[2]), [
    'result: 7',
    'notification: no reply, as the specification requires',
    'result: 19',
    'error -32600 (Invalid Request): Invalid Request',
    'error -32601 (Method not found): Method not found',
    'result: ["hello",5]',
  ]);
  await screenshot('batch-paired');
});
await step('batch: reorder, duplicate and remove elements', async () => {
  await page.click('#el6-up');
  let text = await editor();
  assert.ok(text.indexOf('get_data') < text.indexOf('foo.get'), text);
  await page.click('#el1-duplicate');
  text = await editor();
  assert.equal(text.split('"method":"sum"').length - 1, 2);
  assert.match(await page.textContent('#warnings'), /id "1" is used by more than one request/);
  await page.click('#el2-remove');
  await page.click('#el5-down');
  assert.equal(await editor(), spec7Batch);
});
await step('section 7: a batch of notifications only is answered 204', async () => {
  await page.fill('#editor', '[{"jsonrpc":"2.0","method":"notify_sum","params":[1,2,4]},{"jsonrpc":"2.0","method":"notify_hello","params":[7]}]');
  await page.waitForFunction(() => document.getElementById('el1-method')?.value === 'notify_sum');
  assert.equal(await page.inputValue('#el1-id-mode'), 'none');
  assert.match(await sendAndWait(), /HTTP 204.*no reply, as the specification requires \(only notifications were sent\)/);
});
await step('section 7: invalid batches [1,2,3] and [] get the spec\'s answers', async () => {
  await page.fill('#editor', '[1,2,3]');
  await sendAndWait();
  const answer = { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' }, id: null };
  assert.deepEqual(await body(), [answer, answer, answer]);
  assert.deepEqual((await pairs()).map((r) => r[2]), Array(3).fill('error -32600 (Invalid Request): Invalid Request'));
  await page.fill('#editor', '[]');
  await sendAndWait();
  assert.deepEqual(await body(), answer);
});
await step('section 7: invalid JSON is named with its position, and the server answers -32700', async () => {
  await page.fill('#editor', '{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]');
  await page.waitForFunction(() => /does not parse/.test(document.getElementById('form-note').textContent));
  assert.match(await page.textContent('#errors'), /not valid JSON: expected `,` or `}` at line 1 column 40/);
  assert.match(await page.textContent('#form-note'), /does not parse/);
  await sendAndWait();
  assert.deepEqual(await body(), { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
  await screenshot('invalid-json');
});
await step('pasting a message fills the form', async () => {
  await page.fill('#editor', '{"jsonrpc":"2.0","method":"subtract","params":{"minuend":42,"subtrahend":"x"},"id":"a"}');
  await page.waitForFunction(() => document.getElementById('el1-param2-name')?.value === 'subtrahend');
  assert.equal(await page.inputValue('#el1-param2-type'), 'string');
  assert.equal(await page.inputValue('#el1-param2-value'), 'x');
  assert.equal(await page.inputValue('#el1-id-mode'), 'string');
  await page.fill('#el1-param2-value', '23');
  await page.selectOption('#el1-param2-type', 'json');
  assert.equal(await editor(), '{"jsonrpc":"2.0","method":"subtract","params":{"minuend":42,"subtrahend":23},"id":"a"}');
});

// ------------------------------------------------------------ the differential check
await step('each finding names its rule and section, linked to the rules table', async () => {
  await page.fill('#editor', '{"jsonrpc":"2.0","method":1,"params":3,"id":1}');
  const item = '#errors li[data-rule="request.method.type"]';
  await page.waitForSelector(item);
  assert.match(await page.textContent(item), /method must be a string, not a number \(spec 4\)request\.method\.type§4$/);
  assert.match(await page.textContent('#errors li[data-rule="request.params.type"]'), /§4\.2$/);
  await page.click('#rules summary');
  const table = JSON.parse(fs.readFileSync(rulesFile, 'utf8'));
  assert.equal(await page.locator('#rules-body tr').count(), table.length);
  await page.click(`${item} a.rule`);
  assert.equal(await page.evaluate(() => location.hash), '#rule-request.method.type');
  assert.match(await page.textContent('#rule-request\\.method\\.type'), /request\.method\.type4MUSTThe method is a string\./);
  await page.evaluate(() => history.replaceState(null, '', location.pathname));
});

await step('the page judges the corpus exactly as jrpc check --json (--expect any, request, response)', async () => {
  const corpus = fs.readFileSync(corpusFile, 'utf8');
  const rulesTable = await page.evaluate(() => window.jrpcPlayground.RULES);
  const norm = (v) => ({
    valid: v.valid, kind: v.kind, detail: v.detail, errors: v.errors, warnings: v.warnings, line: v.line,
    findings: v.findings, elements: v.elements?.map(norm),
  });
  const named = new Set();
  let judged = 0;
  for (const expect of ['any', 'request', 'response']) {
    const cli = JSON.parse(fs.readFileSync(expect === 'any' ? cliFile : cliFile.replace(/\.json$/, `.${expect}.json`), 'utf8'));
    // The whole verdict, findings included (rule id, level, section, JSON Pointer, message, in order).
    const ours = await page.evaluate(([text, mode]) => {
      const p = window.jrpcPlayground;
      return p.checkAll(text, mode).map((c) => ({ ...p.verdictJson(c.verdict), line: c.line }));
    }, [corpus, expect]);
    assert.ok(cli.length >= 60, `corpus has ${cli.length} messages`);
    assert.equal(ours.length, cli.length);
    const mismatches = [];
    for (let i = 0; i < cli.length; i++) {
      const a = norm(ours[i]);
      const b = norm(cli[i]);
      assert.ok(Array.isArray(b.findings), 'jrpc check --json lists findings');
      const walk = (v) => { v.findings.forEach((f) => named.add(f.rule)); v.elements?.forEach(walk); };
      walk(b);
      try { assert.deepEqual(a, b); } catch { mismatches.push(`--expect ${expect}, message ${i + 1}:\n page ${JSON.stringify(a)}\n cli  ${JSON.stringify(b)}`); }
    }
    assert.equal(mismatches.length, 0, mismatches.join('\n'));
    judged = cli.length;
  }
  // The page's table is the CLI's: same ids, sections, levels and summaries, in order.
  const cliRules = JSON.parse(fs.readFileSync(rulesFile, 'utf8'));
  assert.deepEqual(Object.keys(rulesTable), cliRules.map((r) => r.id));
  for (const r of cliRules) {
    assert.equal(rulesTable[r.id].section, r.section, r.id);
    assert.equal(rulesTable[r.id].keyword, r.level, r.id);
    assert.equal(rulesTable[r.id].summary, r.summary, r.id);
  }
  // The corpus breaks every rule of the table: none is untested on the page.
  const unbroken = cliRules.map((r) => r.id).filter((id) => !named.has(id));
  assert.deepEqual(unbroken, [], 'rules the corpus never breaks');
  console.log(`  ${judged} corpus messages judged alike three ways, findings in order; all ${cliRules.length} rules broken`);
});

// ------------------------------------------------------------ discover
await step('discover: a server without rpc.discover is told apart gracefully', async () => {
  await page.fill('#url', `${stubUrl}/no-discover`);
  await page.click('#discover');
  await page.waitForFunction(() => !/^Asking/.test(document.getElementById('status').textContent));
  const status = await page.textContent('#status');
  assert.match(status, /does not describe its methods \(rpc\.discover: -32601 Method not found\)/);
});
await step("discover: spec-server's own rpc.discover fills the picker, the form and the examples", async () => {
  await fresh();
  await page.fill('#url', rpcUrl);
  await page.click('#discover');
  await page.waitForFunction(() => !document.getElementById('discovered').hidden);
  assert.deepEqual(await page.$$eval('#method-picker option', (o) => o.map((x) => x.textContent)),
    ['Choose a method…', 'get_data', 'notify_hello', 'notify_sum', 'subtract', 'sum', 'update']);
  await page.selectOption('#method-picker', { label: 'subtract' });
  assert.match(await page.textContent('#method-info'), /Subtracts the subtrahend from the minuend/);
  assert.equal(await page.inputValue('#el1-param1-name'), 'minuend');
  assert.equal(await page.inputValue('#el1-param2-name'), 'subtrahend');
  await page.fill('#el1-param1-value', '42');
  await page.fill('#el1-param2-value', '23');
  assert.equal(await editor(), '{"jsonrpc":"2.0","method":"subtract","params":{"minuend":42,"subtrahend":23},"id":1}');
  await sendAndWait();
  assert.deepEqual(await body(), { jsonrpc: '2.0', result: 19, id: 1 });
  // sum takes its params by position only: the form says so.
  await page.selectOption('#method-picker', { label: 'sum' });
  assert.equal(await page.inputValue('#el1-params-mode'), 'position');
  await screenshot('discover-spec-server');
});
await step('discover: a document from another origin, with a string parameter', async () => {
  await page.fill('#url', `${stubUrl}/`);
  await page.click('#discover');
  // The picker still shows the previous server's methods until this answer arrives.
  await page.waitForFunction(() => [...document.querySelectorAll('#method-picker option')].some((o) => o.textContent === 'greet'));
  assert.deepEqual(await page.$$eval('#method-picker option', (o) => o.map((x) => x.textContent)), ['Choose a method…', 'subtract', 'greet']);
  await page.selectOption('#method-picker', { label: 'subtract' });
  assert.match(await page.textContent('#method-info'), /Subtracts the subtrahend from the minuend/);
  assert.equal(await page.inputValue('#el1-param1-name'), 'minuend');
  await page.click('#example-1');
  assert.equal(await editor(), '{"jsonrpc":"2.0","method":"subtract","params":{"minuend":42,"subtrahend":23},"id":1}');
  await page.selectOption('#method-picker', { label: 'greet' });
  assert.equal(await page.inputValue('#el1-param1-type'), 'string');
  await screenshot('discover');
  await page.fill('#url', rpcUrl);
});

// ------------------------------------------------------------ keep and share
await step('share link reopens the same message; copy as curl and jrpc', async () => {
  await fresh();
  await request(1, { method: 'subtract', params: [['minuend', '42'], ['subtrahend', '23']], named: true, id: 7 });
  const text = await editor();
  await page.click('summary:has-text("Share and copy")');
  await page.click('#copy-link');
  const link = await page.inputValue('#copy-output');
  assert.ok(link.startsWith(`${new URL(pageUrl).origin}/playground#m=`), link);
  await page.click('#copy-curl');
  assert.equal(await page.inputValue('#copy-output'), `curl -s ${rpcUrl} -H 'Content-Type: application/json' -d '${text}'`);
  await page.click('#copy-jrpc');
  assert.equal(await page.inputValue('#copy-output'), `jrpc call ${rpcUrl} subtract minuend:=42 subtrahend:=23`);
  await page.click('#copy-json');
  assert.equal(await page.inputValue('#copy-output'), text);
  const other = await context.newPage();
  watch(other);
  await other.goto(link);
  await other.waitForFunction((t) => document.getElementById('editor').value === t, text);
  assert.equal(await other.inputValue('#el1-param2-name'), 'subtrahend');
  await other.close();
});
await step('history survives a reload', async () => {
  await page.reload();
  await page.waitForSelector('#history-1');
  const items = await page.$$eval('#history li code', (n) => n.map((x) => x.textContent));
  assert.ok(items.some((t) => t.includes('"method":"foobar","id":"1"')), items.join('\n'));
  await page.click('#history-1');
  assert.ok((await editor()).length > 0);
  await screenshot('history-after-reload');
});

// ------------------------------------------------------------ bad input
await step('malformed JSON: a clear message, the form keeps its last message', async () => {
  await page.fill('#editor', '{"jsonrpc": "2.0", "method"');
  await page.waitForFunction(() => /does not parse/.test(document.getElementById('form-note').textContent));
  assert.match(await page.textContent('#errors'), /not valid JSON: EOF while parsing an object at line 1 column 27/);
  assert.match(await page.textContent('#verdict'), /invalid JSON/);
  await screenshot('malformed');
});
await step('a 5 MB paste is checked without freezing the page', async () => {
  const one = (i) => `{"jsonrpc":"2.0","method":"sum","params":[1,2,3,4,5,6,7,8,9,10],"id":"${String(i).padStart(40, 'x')}"}`;
  const count = Math.ceil((5 * 1048576) / (one(0).length + 1));
  const big = `[${Array.from({ length: count }, (_, i) => one(i === count - 1 ? 0 : i)).join(',')}]`;
  const started = Date.now();
  // A paste: the text lands in the editor at once and the page hears an input event.
  await page.evaluate((text) => {
    const e = document.getElementById('editor');
    e.focus();
    e.value = text;
    e.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
  }, big);
  await page.waitForFunction(() => /batch of/.test(document.getElementById('verdict').textContent), null, { timeout: 20000 });
  const took = Date.now() - started;
  assert.match(await page.textContent('#form-note'), /MB: too large for the form/);
  assert.match(await page.textContent('#warnings'), /is used by more than one request/);
  const t0 = Date.now();
  assert.equal(await page.evaluate(() => 1 + 1), 2);
  assert.ok(Date.now() - t0 < 1000, 'the page answers');
  console.log(`  ${(big.length / 1048576).toFixed(1)} MB pasted and judged in ${took} ms`);
  await screenshot('five-megabytes', false);
  await page.fill('#editor', '{"jsonrpc":"2.0","method":"get_data","id":1}');
});
await step('an unreachable URL: a clear message', async () => {
  expected = [/ERR_CONNECTION_REFUSED/];
  await page.fill('#url', `http://127.0.0.1:${closedPort}/`);
  const status = await sendAndWait();
  assert.ok(status.startsWith(`Could not reach http://127.0.0.1:${closedPort}/: the server is not running`), status);
  await screenshot('unreachable');
});
await step('a server answering HTML: a clear message', async () => {
  await page.fill('#url', `${stubUrl}/html`);
  const status = await sendAndWait();
  assert.match(status, /HTTP 200 OK .*the server answered an HTML page, not JSON/);
  await screenshot('html-answer');
});
await step('WebSocket to spec-server: sends and reads the reply', async () => {
  await page.fill('#url', rpcUrl.replace('http:', 'ws:'));
  assert.equal(await page.inputValue('#transport'), 'ws');
  await page.fill('#editor', '{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}');
  assert.match(await sendAndWait(), /WebSocket reply/);
  assert.deepEqual(await body(), { jsonrpc: '2.0', result: 19, id: 1 });
  await page.fill('#editor', '{"jsonrpc":"2.0","method":"update","params":[1,2,3]}');
  assert.match(await sendAndWait(), /no reply, as the specification requires/);
  await page.click('#ws-close');
});
await step('a WebSocket that pushes and closes: the push is shown, the close is explained', async () => {
  await page.fill('#url', `${stubUrl.replace('http:', 'ws:')}/ws`);
  await page.fill('#editor', '{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}');
  const status = await sendAndWait();
  assert.match(status, /The WebSocket closed \(code 1001, “going away”\) before the reply came/);
  assert.match(await page.textContent('#pushes'), /"method":"tick"/);
  await screenshot('websocket-closed');
});
await step('a WebSocket that cannot connect: a clear message', async () => {
  expected = [/WebSocket connection to .* failed/, /ERR_CONNECTION_REFUSED/];
  await page.fill('#url', `ws://127.0.0.1:${closedPort}/`);
  const status = await sendAndWait();
  assert.ok(status.startsWith(`Could not open a WebSocket to ws://127.0.0.1:${closedPort}/`), status);
});

// ------------------------------------------------------------ for people
await step('phone width and dark mode', async () => {
  await page.fill('#url', rpcUrl);
  await page.goto(pageUrl);
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
  await screenshot('phone');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 1200, height: 900 });
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(22, 24, 27)');
  await screenshot('dark');
});
await step('composing and checking takes well under a frame', async () => {
  const ms = await page.evaluate(() => {
    const text = '[{"jsonrpc":"2.0","method":"sum","params":[1,2,4],"id":"1"},{"jsonrpc":"2.0","method":"notify_hello","params":[7]},{"foo":"boo"}]';
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) window.jrpcPlayground.checkAll(text);
    return (performance.now() - t0) / 100;
  });
  assert.ok(ms < 16, `one check took ${ms} ms`);
});

await browser.close();
stub.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
