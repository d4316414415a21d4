// The checker of `jrpc check` (crates/jrpc-cli/src/commands/check/engine.rs), in the browser.
//
// The rules themselves are not here: every finding names a rule of `RULES`, which the server makes
// from the one table in crates/jrpc/src/wire/rules.rs, and takes its level and section from it; a
// rule missing from the table throws. Every message text, JSON Pointer and order of findings is the
// CLI's, so the page's verdicts equal `jrpc check --json` (the differential test in
// crates/jrpc-cli/tests/playground.rs runs both on crates/jrpc-cli/tests/corpus/messages.jsonl). The JSON reader below follows serde_json's
// (the CLI's) byte for byte where it matters: what it accepts, and the message, line and column
// (in UTF-8 bytes) of the first error. Values are kept as the text the user wrote.

import { RULES } from './rules.js';

export { RULES };

const encoder = new TextEncoder();
const utf8len = (s) => (/^[\x00-\x7f]*$/.test(s) ? s.length : encoder.encode(s).length);

class JsonError extends Error {
  constructor(message, line, column) {
    super(`${message} at line ${line} column ${column}`);
    this.reason = message;
    this.line = line;
    this.column = column;
  }
}

/** serde_json's position of a byte index, given as a UTF-16 index plus extra bytes. */
function position(text, index, extraBytes = 0) {
  let at = index;
  if (extraBytes > 0 && at < text.length && text[at] === '\n') {
    at += 1; // the byte after a newline starts the next line
    extraBytes = 0;
  }
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < lineStart; i = text.indexOf('\n', i + 1)) line++;
  return { line, column: utf8len(text.slice(lineStart, at)) + extraBytes };
}

/** serde_json's position of a UTF-8 byte index. */
function positionOfByte(text, byteIndex) {
  const bytes = encoder.encode(text).subarray(0, byteIndex);
  const lineStart = bytes.lastIndexOf(10) + 1;
  let line = 1;
  for (let i = 0; i < lineStart; i++) if (bytes[i] === 10) line++;
  return { line, column: byteIndex - lineStart };
}

/** A reader over one text: `value()` scans one JSON value the way serde_json's ignore_value does. */
class Reader {
  constructor(text, start = 0) {
    this.text = text;
    this.i = start;
  }
  // error(): position after the last consumed character.
  error(reason) {
    const p = position(this.text, this.i);
    return new JsonError(reason, p.line, p.column);
  }
  // peek_error(): position of the peeked character, counted one byte into it.
  peekError(reason) {
    const p = this.i >= this.text.length ? position(this.text, this.text.length) : position(this.text, this.i, 1);
    return new JsonError(reason, p.line, p.column);
  }
  whitespace() {
    const t = this.text;
    let i = this.i;
    while (i < t.length) {
      const c = t.charCodeAt(i);
      if (c === 32 || c === 10 || c === 9 || c === 13) i++;
      else break;
    }
    this.i = i;
    return i < t.length ? t[i] : null;
  }
  /** Scans one value; returns its text span [start, end). */
  value() {
    const t = this.text;
    const stack = [];
    let enclosing = null;
    let start = -1;
    for (;;) {
      const peek = this.whitespace();
      if (peek === null) throw this.peekError('EOF while parsing a value');
      if (start < 0) start = this.i;
      let frame = null;
      switch (peek) {
        case 'n': this.i++; this.ident('ull'); break;
        case 't': this.i++; this.ident('rue'); break;
        case 'f': this.i++; this.ident('alse'); break;
        case '-': this.i++; this.integer(); break;
        case '"': this.i++; this.string(); break;
        case '[': case '{':
          if (enclosing !== null) stack.push(enclosing);
          enclosing = null;
          this.i++;
          frame = peek;
          break;
        default:
          if (peek >= '0' && peek <= '9') this.integer();
          else throw this.peekError('expected value');
      }
      let acceptComma;
      if (frame !== null) acceptComma = false;
      else if (enclosing !== null) { frame = enclosing; enclosing = null; acceptComma = true; }
      else if (stack.length) { frame = stack.pop(); acceptComma = true; }
      else return [start, this.i];
      for (;;) {
        const c = this.whitespace();
        if (c === ',' && acceptComma) { this.i++; break; }
        if ((c === ']' && frame === '[') || (c === '}' && frame === '{')) {
          this.i++;
          if (!stack.length) return [start, this.i];
          frame = stack.pop();
          acceptComma = true;
          continue;
        }
        if (c === null) throw this.peekError(frame === '[' ? 'EOF while parsing a list' : 'EOF while parsing an object');
        if (acceptComma) throw this.peekError(frame === '[' ? 'expected `,` or `]`' : 'expected `,` or `}`');
        break;
      }
      if (frame === '{') {
        const c = this.whitespace();
        if (c === '"') this.i++;
        else if (c === null) throw this.peekError('EOF while parsing an object');
        else throw this.peekError('key must be a string');
        this.string();
        const colon = this.whitespace();
        if (colon === ':') this.i++;
        else if (colon === null) throw this.peekError('EOF while parsing an object');
        else throw this.peekError('expected `:`');
      }
      enclosing = frame;
    }
  }
  ident(rest) {
    for (const expected of rest) {
      if (this.i >= this.text.length) throw this.error('EOF while parsing a value');
      const c = this.text[this.i];
      this.i += c.length === 1 && this.text.codePointAt(this.i) > 0xffff ? 2 : 1;
      if (c !== expected) throw this.error('expected ident');
    }
  }
  nextOrNull() {
    if (this.i >= this.text.length) return '\0';
    const c = this.text[this.i];
    this.i += this.text.codePointAt(this.i) > 0xffff ? 2 : 1;
    return c;
  }
  peekOrNull() {
    return this.i < this.text.length ? this.text[this.i] : '\0';
  }
  integer() {
    const digit = (c) => c >= '0' && c <= '9';
    const c = this.nextOrNull();
    if (c === '0') {
      if (digit(this.peekOrNull())) throw this.peekError('invalid number');
    } else if (c >= '1' && c <= '9') {
      while (digit(this.peekOrNull())) this.i++;
    } else {
      throw this.error('invalid number');
    }
    const p = this.peekOrNull();
    if (p === '.') {
      this.i++;
      let any = false;
      while (digit(this.peekOrNull())) { this.i++; any = true; }
      if (!any) throw this.peekError('invalid number');
      const e = this.peekOrNull();
      if (e === 'e' || e === 'E') this.exponent();
    } else if (p === 'e' || p === 'E') {
      this.exponent();
    }
  }
  exponent() {
    this.i++;
    const s = this.peekOrNull();
    if (s === '+' || s === '-') this.i++;
    const c = this.nextOrNull();
    if (!(c >= '0' && c <= '9')) throw this.error('invalid number');
    while (this.peekOrNull() >= '0' && this.peekOrNull() <= '9') this.i++;
  }
  string() {
    const t = this.text;
    for (;;) {
      let i = this.i;
      while (i < t.length) {
        const c = t.charCodeAt(i);
        if (c === 34 || c === 92 || c < 32) break;
        i++;
      }
      this.i = i;
      if (i >= t.length) throw this.error('EOF while parsing a string');
      const c = t[i];
      if (c === '"') { this.i++; return; }
      if (c === '\\') {
        this.i++;
        if (this.i >= t.length) throw this.error('EOF while parsing a string');
        const e = t[this.i];
        this.i += t.codePointAt(this.i) > 0xffff ? 2 : 1;
        if ('"\\/bfnrt'.includes(e)) continue;
        if (e === 'u') {
          // Four bytes are taken, whatever they are.
          if (utf8len(t.slice(this.i, this.i + 4)) < 4) {
            this.i = t.length;
            throw this.error('EOF while parsing a string');
          }
          if (/^[0-9a-fA-F]{4}$/.test(t.slice(this.i, this.i + 4))) { this.i += 4; continue; }
          const p = positionOfByte(t, utf8len(t.slice(0, this.i)) + 4);
          throw new JsonError('invalid escape', p.line, p.column);
        }
        throw this.error('invalid escape');
      }
      throw this.error('control character (\\u0000-\\u001F) found while parsing a string');
    }
  }
}

/** A value already known to be valid JSON: its text, and members or elements as raw texts. */
export function membersOf(text) {
  // Keys and values as raw text, duplicates kept (the Members of check.rs).
  const r = new Reader(text);
  r.whitespace();
  r.i++; // {
  const members = [];
  if (r.whitespace() === '}') return members;
  for (;;) {
    r.whitespace();
    const k0 = r.i;
    r.i++;
    r.string();
    const name = JSON.parse(text.slice(k0, r.i));
    r.whitespace();
    r.i++; // :
    const [s, e] = r.value();
    members.push([name, text.slice(s, e)]);
    if (r.whitespace() === ',') { r.i++; continue; }
    return members;
  }
}

export function elementsOf(text) {
  const r = new Reader(text);
  r.whitespace();
  r.i++; // [
  const out = [];
  if (r.whitespace() === ']') return out;
  for (;;) {
    const [s, e] = r.value();
    out.push(text.slice(s, e));
    if (r.whitespace() === ',') { r.i++; continue; }
    return out;
  }
}

const find = (members, name) => {
  const m = members.find(([n]) => n === name);
  return m ? m[1] : undefined;
};
const has = (members, name) => members.some(([n]) => n === name);
const quote = (s) => JSON.stringify(s);
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The unescaped string, if the raw value is a JSON string (as serde_json reads it). */
export function stringValue(raw) {
  if (!raw.startsWith('"')) return null;
  const s = JSON.parse(raw);
  return LONE_SURROGATE.test(s) ? null : s;
}

/** The JSON type of a raw value, for messages. */
export function kindName(text) {
  switch (text.trim()[0]) {
    case '{': return 'an object';
    case '[': return 'an array';
    case '"': return 'a string';
    case 't': case 'f': return 'a boolean';
    case 'n': return 'null';
    case undefined: return 'nothing';
    default: return 'a number';
  }
}

/** The text without insignificant whitespace (member order, numbers and escapes untouched). */
export function compact(text) {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c !== ' ' && c !== '\n' && c !== '\t' && c !== '\r') {
      out += c;
    }
  }
  return out;
}

function newVerdict(kind) {
  return { kind, detail: '', findings: [], elements: [] };
}
/** Records that the message broke rule `id` at `pointer` (RFC 6901); level and section come from the table. */
function add(v, id, pointer, message) {
  const rule = RULES[id];
  if (!rule) throw new Error(`the checker names a rule that is not in the rules table: ${id}`);
  v.findings.push({ rule: id, severity: rule.level, section: rule.section, pointer, message });
}

/** `at` extended by one member name, as a JSON Pointer (`~` and `/` escaped). */
const member = (at, name) => `${at}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;

export function isValid(v) {
  return v.findings.every((f) => f.severity === 'warning') && v.elements.every(isValid);
}

export function warningCount(v) {
  return v.findings.filter((f) => f.severity === 'warning').length + v.elements.reduce((n, e) => n + warningCount(e), 0);
}

const KIND_NAMES = {
  request: 'request', notification: 'notification', response: 'response',
  error_response: 'error response', batch: 'batch', invalid_json: 'invalid JSON', unknown: 'message',
};

/** Judges one JSON value (known to be valid JSON). */
export function checkValue(text, expect = 'any') {
  text = text.trim();
  if (text[0] === '[') return checkBatch(text, expect);
  if (text[0] === '{') return checkObject(text, expect, '');
  const v = newVerdict('unknown');
  v.detail = kindName(text);
  add(v, 'message.type', '', `a message must be an object or an array (batch), not ${kindName(text)} (spec 4, 5, 6)`);
  return v;
}

function checkBatch(text, expect) {
  const v = newVerdict('batch');
  const elements = elementsOf(text);
  if (!elements.length) {
    v.detail = 'empty';
    add(v, 'batch.empty', '', 'an empty array is not a valid batch: a batch needs at least one request, and a server must not answer with [] (spec 6)');
    return v;
  }
  for (const [index, element] of elements.entries()) {
    const at = `/${index}`;
    let judged;
    if (element.startsWith('{')) {
      judged = checkObject(element, expect, at);
    } else {
      judged = newVerdict('unknown');
      judged.detail = kindName(element);
      add(judged, 'batch.element.type', at, `a batch element must be a request or response object, not ${kindName(element)} (spec 6)`);
    }
    if (element.startsWith('[')) {
      judged = newVerdict('unknown');
      judged.detail = 'an array';
      add(judged, 'batch.nested', at, 'batches cannot be nested: a batch element must be an object (spec 6)');
    }
    v.elements.push(judged);
  }
  const count = (kinds) => v.elements.filter((e) => kinds.includes(e.kind)).length;
  const requests = count(['request']);
  const notifications = count(['notification']);
  const responses = count(['response', 'error_response']);
  const others = v.elements.length - requests - notifications - responses;
  if (requests + notifications > 0 && responses > 0) {
    add(v, 'batch.mixed', '', `a batch holds either requests or responses, not both (${requests + notifications} requests and notifications, ${responses} responses; spec 6)`);
  }
  const parts = [];
  for (const [n, what] of [[requests, 'request'], [notifications, 'notification'], [responses, 'response'], [others, 'invalid element']]) {
    if (n > 0) parts.push(`${n} ${what}${n === 1 ? '' : 's'}`);
  }
  v.detail = `of ${elements.length}: ${parts.join(', ')}`;
  if (responses === 0) {
    const ids = new Set();
    for (const [index, element] of elements.entries()) {
      if (!element.startsWith('{')) continue;
      const members = membersOf(element);
      if (has(members, 'method') && has(members, 'id')) {
        const id = compact(find(members, 'id'));
        if (ids.has(id)) {
          add(v, 'batch.duplicate-id', `/${index}/id`, `id ${id} is used by more than one request: their responses cannot be told apart (spec 6)`);
        } else {
          ids.add(id);
        }
      }
    }
  }
  return v;
}

function checkObject(text, expect, at) {
  const members = membersOf(text);
  const isRequest = expect === 'request' ? true : expect === 'response' ? false
    : has(members, 'method') || !(has(members, 'result') || has(members, 'error'));
  if (expect === 'any' && !has(members, 'method') && !has(members, 'result') && !has(members, 'error')) {
    const v = newVerdict('unknown');
    v.detail = 'an object';
    add(v, 'message.role', at, 'neither a request (no method member, spec 4) nor a response (no result or error member, spec 5)');
    checkDuplicates(members, v, at, []);
    return v;
  }
  const v = isRequest ? checkRequest(members, at) : checkResponse(members, at);
  checkDuplicates(members, v, at, isRequest ? REQUEST_MEMBERS : RESPONSE_MEMBERS);
  return v;
}

// The members JSON-RPC defines: a repeat of one of them is ambiguous, of any other only unusual.
const REQUEST_MEMBERS = ['jsonrpc', 'method', 'params', 'id'];
const RESPONSE_MEMBERS = ['jsonrpc', 'result', 'error', 'id'];
const ERROR_MEMBERS = ['code', 'message', 'data'];

/** Repeated member names; `defined` empty: every repeat is an error. */
function checkDuplicates(members, v, at, defined) {
  const seen = [];
  for (const [name] of members) {
    if (seen.includes(name)) {
      if (!defined.length || defined.includes(name)) {
        add(v, 'json.duplicate-member', member(at, name), `member ${quote(name)} appears more than once: peers disagree on which one counts (RFC 8259 section 4)`);
      } else {
        add(v, 'json.duplicate-unknown-member', member(at, name), `member ${quote(name)} appears more than once; JSON-RPC does not define it, so servers ignore it, but names should be unique (RFC 8259 section 4)`);
      }
    } else {
      seen.push(name);
    }
  }
}

function checkVersion(members, v, section, at) {
  const rule = section === '4' ? 'request.jsonrpc' : 'response.jsonrpc';
  const raw = find(members, 'jsonrpc');
  if (raw === undefined) {
    add(v, rule, member(at, 'jsonrpc'), `the jsonrpc member is missing; it must be exactly "2.0" (spec ${section}; without it this reads as JSON-RPC 1.0, spec 3)`);
  } else if (stringValue(raw) !== '2.0') {
    add(v, rule, member(at, 'jsonrpc'), `jsonrpc must be exactly "2.0", not ${compact(raw)} (spec ${section})`);
  }
}

function checkId(text, v, section, isRequest, parent) {
  const at = member(parent, 'id');
  const c = text.trim()[0];
  if (c === '"') return;
  if (c === '-' || (c >= '0' && c <= '9')) {
    if (/[.eE]/.test(text)) add(v, isRequest ? 'request.id.fraction' : 'response.id.fraction', at, `id ${text}: numbers should not contain fractional parts (spec ${section})`);
  } else if (c === 'n') {
    if (isRequest) {
      add(v, 'request.id.null', at, 'id should not be null: null is the id of responses to requests whose id could not be read, and JSON-RPC 1.0 uses it for notifications (spec 4)');
    }
  } else {
    add(v, isRequest ? 'request.id.type' : 'response.id.type', at, `id must be a string, a number or null, not ${kindName(text)} (spec ${section})`);
  }
}

function checkRequest(members, at) {
  const v = newVerdict(has(members, 'id') ? 'request' : 'notification');
  checkVersion(members, v, '4', at);
  let method = null;
  const rawMethod = find(members, 'method');
  if (rawMethod === undefined) {
    add(v, 'request.method.missing', at, 'the method member is missing (spec 4)');
  } else {
    method = stringValue(rawMethod);
    if (method !== null) {
      if (method.startsWith('rpc.')) {
        add(v, 'request.method.reserved', member(at, 'method'), `method ${quote(method)}: names beginning with "rpc." are reserved for rpc-internal methods and extensions (spec 4, 8)`);
      }
    } else {
      add(v, 'request.method.type', member(at, 'method'), `method must be a string, not ${kindName(rawMethod)} (spec 4)`);
    }
  }
  const params = find(members, 'params');
  if (params !== undefined && !(params.startsWith('[') || params.startsWith('{'))) {
    add(v, 'request.params.type', member(at, 'params'), `params must be an array or an object, not ${kindName(params)} (spec 4.2)`);
  }
  const id = find(members, 'id');
  if (id !== undefined) checkId(id, v, '4', true, at);
  for (const [name] of members) {
    if (['jsonrpc', 'method', 'params', 'id'].includes(name)) continue;
    if (name === 'result' || name === 'error') {
      add(v, 'request.response-member', member(at, name), `a request has no ${name} member: it mixes a request and a response (spec 4, 5)`);
    } else {
      add(v, 'request.unknown-member', member(at, name), `unknown member ${quote(name)}: a request has jsonrpc, method, params and id (spec 4)`);
    }
  }
  let detail = method !== null ? `method ${quote(method)}` : '';
  if (id !== undefined) detail += `${detail ? ', ' : ''}id ${compact(id)}`;
  v.detail = detail;
  return v;
}

function checkResponse(members, at) {
  const err = find(members, 'error');
  const result = find(members, 'result');
  const v = newVerdict(err !== undefined && result === undefined ? 'error_response' : 'response');
  checkVersion(members, v, '5', at);
  const detail = [];
  if (result !== undefined && err !== undefined) {
    add(v, 'response.result-and-error', at, 'a response must not have both result and error (spec 5)');
    checkErrorObject(err, v, member(at, 'error'));
  } else if (result === undefined && err === undefined) {
    add(v, 'response.result-or-error', at, 'a response needs either result or error (spec 5)');
  } else if (result !== undefined) {
    detail.push('result');
  } else {
    const code = checkErrorObject(err, v, member(at, 'error'));
    if (code !== null) detail.push(`code ${code}`);
  }
  if (has(members, 'method')) add(v, 'response.method-member', member(at, 'method'), 'a response has no method member: it mixes a request and a response (spec 4, 5)');
  const id = find(members, 'id');
  if (id === undefined) {
    add(v, 'response.id.missing', at, "the id member is required in a response, null when the request's id was unreadable (spec 5)");
  } else {
    checkId(id, v, '5', false, at);
    detail.push(`id ${compact(id)}`);
  }
  for (const [name] of members) {
    if (!['jsonrpc', 'result', 'error', 'id', 'method'].includes(name)) {
      add(v, 'response.unknown-member', member(at, name), `unknown member ${quote(name)}: a response has jsonrpc, result or error, and id (spec 5)`);
    }
  }
  v.detail = detail.join(', ');
  return v;
}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

function checkErrorObject(text, v, at) {
  if (!text.startsWith('{')) {
    add(v, 'error.type', at, `error must be an object, not ${kindName(text)} (spec 5.1)`);
    return null;
  }
  const members = membersOf(text);
  let codeText = null;
  const raw = find(members, 'code');
  if (raw === undefined) {
    add(v, 'error.code.missing', at, 'error.code is required (spec 5.1)');
  } else {
    const code = raw.trim();
    const codeAt = member(at, 'code');
    if (!/^[-0-9]/.test(code)) {
      add(v, 'error.code.type', codeAt, `error.code must be a number, not ${kindName(code)} (spec 5.1)`);
    } else if (/[.eE]/.test(code)) {
      if (Number.isInteger(Number(code))) {
        add(v, 'error.code.fraction', codeAt, `error.code ${code} is written with a fraction or exponent; many peers will not read it as an integer (spec 5.1)`);
        codeText = code;
      } else {
        add(v, 'error.code.integer', codeAt, `error.code must be an integer, not ${code} (spec 5.1)`);
      }
    } else {
      codeText = code;
      const value = BigInt(code);
      if (value >= I64_MIN && value <= I64_MAX) {
        const n = Number(value);
        const predefined = [-32700, -32600, -32601, -32602, -32603].includes(n) || (n >= -32099 && n <= -32000);
        if (n >= -32768 && n <= -32000 && !predefined) {
          add(v, 'error.code.reserved', codeAt, `error.code ${n} is in the range reserved for pre-defined errors (-32768 to -32000) but is not one of them (spec 5.1)`);
        }
      }
    }
  }
  const message = find(members, 'message');
  if (message === undefined) add(v, 'error.message.missing', at, 'error.message is required (spec 5.1)');
  else if (stringValue(message) === null) add(v, 'error.message.type', member(at, 'message'), `error.message must be a string, not ${kindName(message)} (spec 5.1)`);
  for (const [name] of members) {
    if (!['code', 'message', 'data'].includes(name)) {
      add(v, 'error.unknown-member', member(at, name), `unknown member ${quote(name)} in the error object: it has code, message and data (spec 5.1)`);
    }
  }
  checkDuplicates(members, v, at, ERROR_MEMBERS);
  return codeText;
}

/** Reads exactly one JSON value (whitespace around allowed); throws an Error naming the problem. */
export function readOne(text) {
  const r = new Reader(text);
  const [s, e] = r.value();
  if (r.whitespace() !== null) throw r.peekError('trailing characters');
  return text.slice(s, e);
}

/** 1-based line of a UTF-16 offset. */
function lineOf(input, offset) {
  let line = 1;
  for (let i = input.indexOf('\n'); i !== -1 && i < offset; i = input.indexOf('\n', i + 1)) line++;
  return line;
}

/** UTF-16 offset where the line after `line` (1-based) starts, or the end. */
function startOfLineAfter(input, line) {
  let i = -1;
  for (let n = 0; n < Math.max(line, 1); n++) {
    i = input.indexOf('\n', i + 1);
    if (i === -1) return input.length;
  }
  return i + 1;
}

/**
 * Reads every message of `input` (one value, a batch, values one per line or concatenated) and
 * judges each, as `jrpc check` does. After invalid JSON, reading resumes at the next line.
 * Returns [{line, start, end, verdict}] (start/end: the message's UTF-16 span, when it was read).
 */
export function checkAll(input, expect = 'any') {
  const out = [];
  let pos = 0;
  while (pos < input.length) {
    const rest = input.slice(pos);
    const r = new Reader(rest);
    for (;;) {
      const before = r.i;
      if (r.whitespace() === null) {
        pos = input.length;
        break;
      }
      const start = r.i;
      const first = rest[start];
      try {
        const [s, e] = r.value();
        if (!(first === '[' || first === '"' || first === '{')) {
          const c = r.i < rest.length ? rest[r.i] : null;
          if (c !== null && !' \n\t\r"[]{},:'.includes(c)) throw r.peekError('trailing characters');
        }
        out.push({ line: lineOf(input, pos + start), start: pos + s, end: pos + e, verdict: checkValue(rest.slice(s, e), expect) });
      } catch (err) {
        if (!(err instanceof JsonError)) throw err;
        const v = newVerdict('invalid_json');
        const errorLine = lineOf(input, pos) + Math.max(err.line - 1, 0);
        add(v, 'json.parse', '', `not valid JSON: ${err.reason} at line ${errorLine} column ${err.column} (a server answers -32700 Parse error, spec 5.1)`);
        v.errorLine = errorLine;
        v.errorColumn = err.column;
        out.push({ line: lineOf(input, pos + start), start: pos + start, end: pos + start, verdict: v });
        pos = startOfLineAfter(input, errorLine);
        break;
      }
      void before;
    }
  }
  return out;
}

/** The verdict as `jrpc check --json` prints it (without source, message and line). */
export function verdictJson(v) {
  const messages = (severity) => v.findings.filter((f) => f.severity === severity).map((f) => f.message);
  const value = {
    valid: isValid(v), kind: v.kind, detail: v.detail, errors: messages('error'), warnings: messages('warning'),
    findings: v.findings.map((f) => ({ rule: f.rule, level: f.severity, section: f.section, pointer: f.pointer, message: f.message })),
  };
  if (v.kind === 'batch') value.elements = v.elements.map(verdictJson);
  return value;
}

/** `jrpc check`'s one-line summary of a verdict. */
export function verdictWord(v) {
  const validity = isValid(v) ? 'valid' : 'invalid';
  const name = KIND_NAMES[v.kind];
  if (v.kind === 'invalid_json') return 'invalid JSON';
  if (v.kind === 'unknown') return `invalid message (${v.detail})`;
  if (v.kind === 'notification' && !isValid(v)) return v.detail ? `invalid request (${v.detail}, no id)` : 'invalid request (no id)';
  if (!v.detail) return `${validity} ${name}`;
  if (v.kind === 'batch') return v.detail === 'empty' ? `${validity} batch (empty)` : `${validity} batch ${v.detail}`;
  return `${validity} ${name} (${v.detail})`;
}
