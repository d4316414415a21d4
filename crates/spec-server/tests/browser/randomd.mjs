// randomd's web page in Debian's Chromium (playwright-core, no bundled browser): every generator,
// signed or not; verifying a signed result (the page's own, a tampered one, and garbage); the key's
// usage; bad input. Fails on any console error or uncaught exception.
//
// Usage: node randomd.mjs PAGE_URL API_KEY SCREENSHOT_DIR   (crates/randomd/tests/web.rs runs it)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [pageUrl, apiKey, shotDir] = process.argv.slice(2);
if (!pageUrl || !apiKey || !shotDir) {
  console.error('usage: node randomd.mjs PAGE_URL API_KEY SCREENSHOT_DIR');
  process.exit(2);
}
fs.mkdirSync(shotDir, { recursive: true });

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
const problems = [];
page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));

let passed = 0;
let failed = 0;
let shot = 0;
async function step(name, fn) {
  try {
    await fn();
    assert.deepEqual(problems.splice(0), [], 'no console errors');
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`not ok - ${name}\n  ${String(error.stack || error).split('\n').join('\n  ')}`);
  }
}
async function screenshot(name) {
  shot += 1;
  await page.screenshot({ path: path.join(shotDir, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
}
/** Submits the generate form and waits for its outcome; returns the values' text. */
async function draw() {
  const before = await page.textContent('#result');
  await page.click('#draw');
  await page.waitForFunction((old) => !document.getElementById('outcome').hidden
    && (document.getElementById('result').textContent !== old || document.getElementById('values').className === 'bad'), before);
  return page.textContent('#values');
}
const response = async () => JSON.parse(await page.textContent('#result'));

await page.goto(pageUrl);

await step('every control is labelled', async () => {
  const unlabelled = await page.$$eval('input, select, textarea', (nodes) => nodes.filter((n) => !n.labels?.length && !n.getAttribute('aria-label')).map((n) => n.id));
  assert.deepEqual(unlabelled, []);
  assert.equal(await page.getAttribute('a[href="/playground"]', 'href'), '/playground');
});

await step('without a key, the page says so and sends nothing', async () => {
  assert.equal(await draw(), 'an API key is needed (randomd prints one on first start)');
});

await page.fill('#key', apiKey);

await step('integers: six dice', async () => {
  const values = (await draw()).trim().split(/\s+/).map(Number);
  assert.equal(values.length, 6);
  assert.ok(values.every((v) => Number.isInteger(v) && v >= 1 && v <= 6), String(values));
  const reply = await response();
  assert.equal(reply.result.random.method, undefined, 'an unsigned result has no method member');
  assert.ok(await page.textContent('#facts').then((t) => t.includes('bits left')));
  await screenshot('integers');
});

const generators = [
  ['IntegerSequences', async () => { await page.fill('#n', '3'); await page.fill('#seq-length', '2, 3, 4'); await page.fill('#seq-min', '1'); await page.fill('#seq-max', '49'); },
    (data) => { assert.deepEqual(data.map((s) => s.length), [2, 3, 4]); assert.ok(data.flat().every((v) => v >= 1 && v <= 49)); }],
  ['DecimalFractions', async () => { await page.fill('#n', '4'); await page.fill('#dec-places', '3'); },
    (data) => { assert.equal(data.length, 4); assert.ok(data.every((v) => v >= 0 && v < 1 && Math.round(v * 1000) === v * 1000)); }],
  ['Gaussians', async () => { await page.fill('#n', '5'); await page.fill('#gauss-mean', '100'); await page.fill('#gauss-deviation', '15'); await page.fill('#gauss-digits', '5'); },
    (data) => { assert.equal(data.length, 5); assert.ok(data.every((v) => typeof v === 'number' && Math.abs(v - 100) < 150)); }],
  ['Strings', async () => { await page.fill('#n', '3'); await page.fill('#str-length', '8'); await page.fill('#str-characters', 'abc'); },
    (data) => { assert.equal(data.length, 3); assert.ok(data.every((s) => /^[abc]{8}$/.test(s))); }],
  ['UUIDs', async () => { await page.fill('#n', '2'); },
    (data) => { assert.equal(data.length, 2); assert.ok(data.every((s) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(s))); }],
  ['Blobs', async () => { await page.fill('#n', '2'); await page.fill('#blob-size', '64'); await page.selectOption('#blob-format', 'hex'); },
    (data) => { assert.equal(data.length, 2); assert.ok(data.every((s) => /^[0-9a-f]{16}$/.test(s))); }],
];
for (const [generator, fill, check] of generators) {
  await step(`${generator}: its own fields, unsigned and signed`, async () => {
    await page.selectOption('#generator', generator);
    assert.equal(await page.$eval(`#fields-${generator}`, (n) => n.hidden), false);
    assert.equal(await page.isVisible('#fields-Integers'), false);
    await fill();
    for (const signed of ['no', 'yes']) {
      await page.selectOption('#signed', signed);
      await draw();
      assert.equal(await page.getAttribute('#values', 'class'), '', await page.textContent('#values'));
      const reply = await response();
      check(reply.result.random.data);
      if (signed === 'yes') {
        assert.equal(reply.result.random.method, `generateSigned${generator}`);
        assert.equal(typeof reply.result.signature, 'string');
        assert.equal(await page.isVisible('#verify-this'), true);
        assert.match(await page.textContent('#facts'), /cost0 USD/);
      }
    }
    await screenshot(generator);
  });
}

await step('a signed result with user data verifies from the page', async () => {
  await page.selectOption('#generator', 'Integers');
  await page.fill('#n', '3');
  await page.selectOption('#signed', 'yes');
  await page.fill('#user-data', '{"draw": "weekly"}');
  await draw();
  const reply = await response();
  assert.deepEqual(reply.result.random.userData, { draw: 'weekly' });
  await page.click('#verify-this');
  await page.waitForFunction(() => document.getElementById('verdict').textContent !== '');
  assert.match(await page.textContent('#verdict'), /^Authentic: this service signed it \(serial number \d+, generateSignedIntegers\)/);
  assert.equal(await page.getAttribute('#verdict', 'class'), 'good');
  await screenshot('verified');
});

await step('a tampered result does not verify; garbage is named', async () => {
  const signed = JSON.parse(await page.inputValue('#signed-result'));
  signed.random.data[0] = signed.random.data[0] === 1 ? 2 : 1;
  for (const [text, expected] of [
    [JSON.stringify({ jsonrpc: '2.0', result: signed, id: 1 }), /^NOT authentic/],
    ['{"random": 1', /^not valid JSON/],
    ['{"random": {}}', /^a signed result has a random object and a signature string$/],
  ]) {
    await page.evaluate(() => { document.getElementById('verdict').textContent = ''; });
    await page.fill('#signed-result', text);
    await page.click('#verify-button');
    await page.waitForFunction(() => document.getElementById('verdict').textContent !== '');
    assert.match(await page.textContent('#verdict'), expected);
    assert.equal(await page.getAttribute('#verdict', 'class'), 'bad');
  }
});

await step("the key's usage", async () => {
  await page.click('#usage-button');
  await page.waitForFunction(() => document.getElementById('usage').textContent !== '');
  const text = await page.textContent('#usage');
  assert.match(text, /statusrunning/);
  assert.match(text, /requests in total\d+/);
  await screenshot('usage');
});

await step('bad input: the service\'s own errors, shown with their code', async () => {
  await page.selectOption('#signed', 'no');
  await page.selectOption('#generator', 'Integers');
  await page.fill('#n', '3');
  await page.fill('#int-min', '10');
  await page.fill('#int-max', '5');
  assert.equal(await draw(), "error 300: Parameter 'min' must be less than parameter 'max'");
  await page.fill('#int-min', '1');
  await page.fill('#int-max', '3');
  await page.selectOption('#replacement', 'false');
  await page.fill('#n', '4');
  assert.match(await draw(), /^error \d+: /, 'four distinct values out of three');
  await page.selectOption('#replacement', 'true');
  await page.selectOption('#signed', 'yes');
  await page.fill('#user-data', '{not json');
  assert.equal(await draw(), 'User data: not valid JSON (quote text: "like this")');
  await page.fill('#user-data', '');
  await page.selectOption('#generator', 'IntegerSequences');
  await page.fill('#seq-length', '2, x');
  assert.equal(await draw(), 'Length: whole numbers, separated by commas');
  await page.fill('#key', '00000000-0000-0000-0000-000000000000');
  await page.fill('#seq-length', '2');
  assert.equal(await draw(), 'error 400: The API key you specified does not exist');
  await screenshot('errors');
});

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
