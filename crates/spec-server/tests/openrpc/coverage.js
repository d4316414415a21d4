// Runs @open-rpc/test-coverage's examples rule against a running server, with the document it
// answers to rpc.discover: every example's params are sent to servers[0].url and the answer must
// equal the example's result. Usage: node coverage.js URL. Prints "N passed, N failed".
// (Its other rule, json-schema-faker, only calls methods that have no examples: none here.)
"use strict";

const coverage = require("@open-rpc/test-coverage").default;
const ExamplesRule = require("@open-rpc/test-coverage/build/rules/examples-rule").default;
const { isDeepStrictEqual } = require("node:util");
const { discover } = require("./common");

const quiet = { onBegin() {}, onTestBegin() {}, onTestEnd() {}, onEnd() {} };

async function run(document, rule) {
  const calls = await coverage({
    openrpcDocument: document,
    transport: "http",
    reporters: [quiet],
    rules: [rule],
  });
  // test-coverage also accepts a result that differs from the example's but fits the result
  // schema; here it must be the example's result exactly.
  const failed = calls.filter((call) => !call.valid || !isDeepStrictEqual(call.result, call.expectedResult));
  for (const call of failed) {
    const reason = call.reason || JSON.stringify(call.error || call.requestError)
      || `expected ${JSON.stringify(call.expectedResult)} but got ${JSON.stringify(call.result)}`;
    console.log(`FAIL ${call.title}: ${reason}`);
  }
  return { total: calls.length, failed: failed.length };
}

async function main() {
  const document = await discover(process.argv[2]);
  const examples = await run(document, new ExamplesRule());
  const expected = document.methods.reduce((n, method) => n + (method.examples || []).length, 0);
  if (examples.total !== expected) {
    console.log(`FAIL the examples rule made ${examples.total} calls for ${expected} examples`);
    process.exit(1);
  }
  console.log(`examples rule: ${examples.total} calls to ${document.servers[0].url}`);
  console.log(`${examples.total - examples.failed} passed, ${examples.failed} failed`);
  process.exit(examples.failed === 0 && examples.total > 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
