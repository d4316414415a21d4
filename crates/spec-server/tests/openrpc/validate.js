// Validates a server's OpenRPC document against the official meta-schema (@open-rpc/meta-schema),
// then checks that every param and result schema in it compiles and that every example's values
// match their schemas. Usage: node validate.js URL. Prints "N passed, N failed".
"use strict";

// The OpenRPC meta-schema and the JSON Schema meta-schema it refers to for every schema
// (https://meta.json-schema.tools) are draft-07 documents (`definitions`, `dependencies`,
// array-form `items`), so the draft-07 class of ajv is the matching one (not Ajv2019/Ajv2020).
const Ajv = require("ajv").default;
const addFormats = require("ajv-formats").default;
const openrpcMetaSchema = require("@open-rpc/meta-schema").default;
const jsonSchemaMetaSchema = require("@json-schema-tools/meta-schema/schema.json");
const { discover } = require("./common");

function metaValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  // Both meta-schemas declare "$schema": "https://meta.json-schema.tools/", so it is added as a
  // meta-schema; the OpenRPC one refers to it without the trailing slash.
  ajv.addMetaSchema(jsonSchemaMetaSchema);
  ajv.addMetaSchema({ ...jsonSchemaMetaSchema, $id: "https://meta.json-schema.tools" });
  return ajv.compile(openrpcMetaSchema);
}

async function main() {
  const url = process.argv[2];
  const document = await discover(url);
  let passed = 0;
  let failed = 0;
  const check = (name, ok, detail) => {
    if (ok) {
      passed += 1;
    } else {
      failed += 1;
      console.log(`FAIL ${name}: ${detail}`);
    }
  };

  const validate = metaValidator();
  check("the document validates against @open-rpc/meta-schema", validate(document),
    JSON.stringify(validate.errors, null, 2));
  check("the document has methods", document.methods.length > 0, "no methods");

  // Each schema is compiled in the document's own context so that "#/components/schemas/..."
  // references resolve.
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  ajv.addSchema({ $id: "openrpc:document", ...document, $schema: undefined });
  const schemaAt = (pointer) => ajv.compile({ $ref: `openrpc:document#${pointer}` });
  document.methods.forEach((method, m) => {
    const params = method.params.map((param, p) => {
      try {
        return schemaAt(`/methods/${m}/params/${p}/schema`);
      } catch (error) {
        check(`${method.name}: param ${param.name}'s schema compiles`, false, error.message);
        return null;
      }
    });
    let result = null;
    try {
      result = schemaAt(`/methods/${m}/result/schema`);
    } catch (error) {
      check(`${method.name}: the result schema compiles`, false, error.message);
    }
    check(`${method.name} has examples`, (method.examples || []).length > 0, "none");
    for (const example of method.examples || []) {
      example.params.forEach((value, p) => {
        const expected = method.params[p];
        check(`${method.name} / ${example.name}: param ${p} is named as the method's`,
          expected && expected.name === value.name, `${value.name} vs ${expected && expected.name}`);
        if (params[p]) {
          check(`${method.name} / ${example.name}: ${value.name} matches its schema`,
            params[p](value.value), JSON.stringify(params[p].errors));
        }
      });
      if (result && example.result) {
        check(`${method.name} / ${example.name}: the result matches its schema`,
          result(example.result.value), JSON.stringify(result.errors));
      }
    }
  });
  console.log(`${document.methods.length} methods checked`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
