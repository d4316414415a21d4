// @open-rpc/test-coverage's examples rule against a service whose methods need an API key and
// whose results are random (randomd): every example is sent with its "apiKey" param replaced by
// KEY, and each answer must be a result that fits the method's result schema (test-coverage's own
// judgement; the values cannot equal the example's). Usage: node coverage_keyed.js URL KEY.
// Prints one line per failure and "N passed, N failed".
"use strict";

const coverage = require("@open-rpc/test-coverage").default;
const ExamplesRule = require("@open-rpc/test-coverage/build/rules/examples-rule").default;
const { discover } = require("./common");

const quiet = { onBegin() {}, onTestBegin() {}, onTestEnd() {}, onEnd() {} };

async function main() {
  const [url, key] = process.argv.slice(2);
  const document = await discover(url);
  let examples = 0;
  for (const method of document.methods) {
    for (const example of method.examples || []) {
      examples += 1;
      for (const param of example.params || []) {
        if (param.name === "apiKey") param.value = key;
      }
    }
  }
  document.servers = [{ name: "under test", url }];
  const calls = await coverage({
    openrpcDocument: document,
    transport: "http",
    reporters: [quiet],
    rules: [new ExamplesRule()],
  });
  const failed = calls.filter((call) => !call.valid || call.error || call.result === undefined);
  for (const call of failed) {
    console.log(`FAIL ${call.title}: ${call.reason || JSON.stringify(call.error || call.requestError)}`);
  }
  if (calls.length !== examples) {
    console.log(`FAIL the examples rule made ${calls.length} calls for ${examples} examples`);
    process.exit(1);
  }
  console.log(`examples rule: ${calls.length} calls to ${url}`);
  console.log(`${calls.length - failed.length} passed, ${failed.length} failed`);
  process.exit(failed.length === 0 && calls.length > 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
