// Runs the official RANDOM.ORG JavaScript client, @randomorg/core (Release 4), against a local randomd.
// Usage: node check.js BASE_URL API_KEY PUBLIC_KEY_PEM
// The client is used unchanged; only the URL it hard-codes (https://api.random.org/json-rpc/4/invoke)
// is replaced, by wrapping XMLHttpRequest.prototype.open of the xmlhttprequest module it requires.
'use strict';
const path = require('path');
const fs = require('fs');
const os = require('os');
const crypto = require('crypto');
const { execFileSync } = require('child_process');

const [BASE, KEY, PUBLIC_KEY] = process.argv.slice(2);
const OFFICIAL = 'https://api.random.org/json-rpc/4/invoke';
const coreDir = path.dirname(require.resolve('@randomorg/core'));
const xhrModule = require(require.resolve('xmlhttprequest', { paths: [coreDir] }));
const open = xhrModule.XMLHttpRequest.prototype.open;
xhrModule.XMLHttpRequest = new Proxy(xhrModule.XMLHttpRequest, {
  construct(target, args) {
    const xhr = new target(...args);
    const original = xhr.open;
    xhr.open = function (method, url, ...rest) {
      if (url !== OFFICIAL) throw new Error('unexpected URL ' + url);
      return original.call(this, method, BASE + '/json-rpc/4/invoke', ...rest);
    };
    return xhr;
  },
});
void open;
const { RandomOrgClient } = require('@randomorg/core');
const errors = require('@randomorg/core');

const client = new RandomOrgClient(KEY, { blockingTimeout: 30000, httpTimeout: 30000 });
let passed = 0;
let failed = 0;

function assert(condition, what) {
  if (!condition) throw new Error('assertion failed: ' + what);
}

async function check(name, f) {
  try {
    await f();
    console.log('ok   ' + name);
    passed++;
  } catch (e) {
    console.log('FAIL ' + name + '\n' + (e && e.stack ? e.stack : e));
    failed++;
  }
}

function opensslVerifies(random, signature) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'r4-'));
  fs.writeFileSync(path.join(dir, 'm'), Buffer.from(JSON.stringify(random), 'utf8'));
  fs.writeFileSync(path.join(dir, 's'), Buffer.from(signature, 'base64'));
  try {
    execFileSync('openssl', ['dgst', '-sha512', '-verify', PUBLIC_KEY, '-signature',
      path.join(dir, 's'), path.join(dir, 'm')], { stdio: 'pipe' });
    return true;
  } catch (e) {
    return false;
  }
}

async function signed(result, method) {
  const random = result.random;
  assert(random.method === method, method);
  const keys = Object.keys(random);
  assert(keys[0] === 'method' && keys[1] === 'hashedApiKey', keys);
  assert(JSON.stringify(keys.slice(-8)) === JSON.stringify(['pregeneratedRandomization', 'data',
    'license', 'licenseData', 'userData', 'ticketData', 'completionTime', 'serialNumber']), keys);
  assert(await client.verifySignature(random, result.signature) === true, 'verifySignature');
  assert(opensslVerifies(random, result.signature), 'openssl');
  const node = crypto.verify('sha512', Buffer.from(JSON.stringify(random), 'utf8'),
    fs.readFileSync(PUBLIC_KEY), Buffer.from(result.signature, 'base64'));
  assert(node, 'node crypto');
  const tampered = Object.assign({}, random, { serialNumber: random.serialNumber + 1 });
  assert(await client.verifySignature(tampered, result.signature) === false, 'tampered');
  return random;
}

async function expectCode(promise, code) {
  try {
    await promise;
  } catch (e) {
    assert(String(e.message || e).includes('Error ' + code), 'expected ' + code + ', got ' + e);
    return;
  }
  throw new Error('expected error ' + code);
}

(async () => {
  await check('basic methods', async () => {
    const ints = await client.generateIntegers(5, 1, 6);
    assert(ints.length === 5 && ints.every((i) => i >= 1 && i <= 6), ints);
    const hex = await client.generateIntegers(3, 0, 255, { base: 16 });
    assert(hex.every((h) => h.length === 2), hex);
    const seqs = await client.generateIntegerSequences(2, [3, 4], 1, [6, 10], { replacement: [true, false] });
    assert(seqs[0].length === 3 && seqs[1].length === 4, seqs);
    const fr = await client.generateDecimalFractions(4, 3);
    assert(fr.every((f) => f >= 0 && f < 1), fr);
    assert((await client.generateGaussians(4, 10, 2, 5)).length === 4, 'gaussians');
    const strings = await client.generateStrings(3, 5, 'abcdé');
    assert(strings.every((s) => s.length === 5), strings);
    const uuids = await client.generateUUIDs(2);
    assert(uuids.length === 2 && uuids[0][14] === '4', uuids);
    const blobs = await client.generateBlobs(2, 16, { format: 'hex' });
    assert(blobs.every((b) => b.length === 4), blobs);
    assert(await client.getRequestsLeft() > 0, 'requests left');
    assert(await client.getBitsLeft() > 0, 'bits left');
  });
  await check('pregenerated randomization', async () => {
    for (const p of [{ date: '2026-01-01' }, { id: 'my-draw' }]) {
      const a = await client.generateIntegers(10, 1, 1000, { pregeneratedRandomization: p });
      const b = await client.generateIntegers(10, 1, 1000, { pregeneratedRandomization: p });
      assert(JSON.stringify(a) === JSON.stringify(b), 'same values');
    }
  });
  let serial;
  let first;
  await check('signed methods, verifySignature, openssl, getResult', async () => {
    first = await client.generateSignedIntegers(5, 1, 6, { userData: { round: 7, note: 'é/x' } });
    const random = await signed(first, 'generateSignedIntegers');
    serial = random.serialNumber;
    await signed(await client.generateSignedIntegerSequences(2, [2, 3], 1, 9), 'generateSignedIntegerSequences');
    await signed(await client.generateSignedDecimalFractions(3, 4), 'generateSignedDecimalFractions');
    await signed(await client.generateSignedGaussians(3, 0, 1, 6), 'generateSignedGaussians');
    await signed(await client.generateSignedStrings(2, 4, 'xyz'), 'generateSignedStrings');
    await signed(await client.generateSignedUUIDs(2), 'generateSignedUUIDs');
    await signed(await client.generateSignedBlobs(1, 64), 'generateSignedBlobs');
    const again = await client.getResult(serial);
    assert(JSON.stringify(again.random) === JSON.stringify(first.random), 'getResult');
  });
  await check('tickets', async () => {
    const created = await client.createTickets(2, true);
    assert(created.length === 2 && created[0].ticketId.length === 16, created);
    const ticket = created[0].ticketId;
    await expectCode(client.revealTickets(ticket), 426);
    const used = await client.generateSignedIntegers(3, 1, 100, { ticketId: ticket });
    assert(used.random.ticketData.ticketId === ticket, 'ticketData');
    await expectCode(client.generateSignedIntegers(3, 1, 100, { ticketId: ticket }), 422);
    await expectCode(client.generateSignedIntegers(3, 1, 100, { ticketId: '0000000000000000' }), 420);
    const shown = await client.getTicket(ticket);
    assert(shown.usedTime !== null && JSON.stringify(shown.result.random) === JSON.stringify(used.random), shown);
    const listed = await client.listTickets('singleton');
    assert(listed.some((t) => t.ticketId === ticket), 'listed');
    const hidden = (await client.createTickets(1, false))[0].ticketId;
    await client.generateSignedUUIDs(1, { ticketId: hidden });
    assert((await client.revealTickets(hidden)) === 1 || (await client.getTicket(hidden)).showResult, 'revealed');
  });
  console.log(passed + ' passed, ' + failed + ' failed');
  process.exit(failed ? 1 : 0);
})();
