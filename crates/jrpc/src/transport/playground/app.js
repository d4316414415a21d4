// The playground: a form and a JSON editor kept in sync, the checker of `jrpc check` run as you
// type, and a sender over HTTP POST or WebSocket. No framework and no build step.

import { RULES, checkAll, compact, elementsOf, isValid, membersOf, readOne, stringValue, verdictJson, verdictWord } from './check.js';

const $ = (id) => document.getElementById(id);
const FORM_LIMIT = 1 << 20; // larger messages are edited as text only
const HISTORY_KEY = 'jrpc-playground-history';
const HISTORY_MAX = 50;
const HISTORY_ENTRY_LIMIT = 64 * 1024;
const LINK_LIMIT = 32 * 1024;
const TIMEOUT_MS = 15000;
const FINDINGS_SHOWN = 300;

export const ERROR_CODES = [
  [-32700, 'Parse error'],
  [-32600, 'Invalid Request'],
  [-32601, 'Method not found'],
  [-32602, 'Invalid params'],
  [-32603, 'Internal error'],
];

/** What an error code means, in words. */
export function codeName(code) {
  const known = ERROR_CODES.find(([c]) => c === code);
  if (known) return known[1];
  if (code >= -32099 && code <= -32000) return 'Server error (implementation-defined, -32099 to -32000)';
  if (code >= -32768 && code <= -32000) return 'reserved for pre-defined errors (-32768 to -32000)';
  return 'application-defined error';
}

// ---------------------------------------------------------------- state

let nextKey = 1;
const state = { elements: [], asBatch: false, autoBase: 1 };

function blankRequest() {
  return { key: nextKey++, kind: 'request', method: '', paramsMode: 'none', params: [], idMode: 'auto', idValue: '', result: 'null', code: '-32601', message: 'Method not found', data: '', raw: '{}' };
}

// ---------------------------------------------------------------- JSON text from the form

function isJson(text) {
  try { readOne(text); return true; } catch { return false; }
}

/** The compact JSON text of a value typed into the form. */
function valueText(value, type) {
  if (type === 'string') return JSON.stringify(value);
  return isJson(value) ? compact(readOne(value)) : value.trim();
}

function idText(el, autoIndex) {
  switch (el.idMode) {
    case 'auto': return String(state.autoBase + autoIndex);
    case 'number': return el.idValue.trim();
    case 'string': return JSON.stringify(el.idValue);
    case 'null': return 'null';
    default: return null;
  }
}

function elementText(el, autoIndex) {
  if (el.kind === 'raw') return isJson(el.raw) ? compact(readOne(el.raw)) : el.raw.trim();
  const id = idText(el, autoIndex);
  const tail = id === null ? '}' : `,"id":${id}}`;
  if (el.kind === 'request') {
    let params = '';
    if (el.paramsMode === 'position') params = `,"params":[${el.params.map((p) => valueText(p.value, p.type)).join(',')}]`;
    if (el.paramsMode === 'name') params = `,"params":{${el.params.map((p) => `${JSON.stringify(p.name)}:${valueText(p.value, p.type)}`).join(',')}}`;
    return `{"jsonrpc":"2.0","method":${JSON.stringify(el.method)}${params}${tail}`;
  }
  if (el.kind === 'response') return `{"jsonrpc":"2.0","result":${valueText(el.result, 'json')}${tail}`;
  const data = el.data.trim() === '' ? '' : `,"data":${valueText(el.data, 'json')}`;
  return `{"jsonrpc":"2.0","error":{"code":${el.code.trim()},"message":${JSON.stringify(el.message)}${data}}${tail}`;
}

/** The compact text of the whole message. */
export function messageText() {
  let auto = 0;
  const parts = state.elements.map((el) => elementText(el, el.kind !== 'raw' && el.idMode === 'auto' ? auto++ : 0));
  return parts.length === 1 && !state.asBatch ? parts[0] : `[${parts.join(',')}]`;
}

/** Two-space indentation, token by token (numbers and escapes kept as written). */
export function pretty(text) {
  let out = '';
  let depth = 0;
  const nl = () => '\n' + '  '.repeat(depth);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      let k = i + 1;
      while (k < text.length && ' \n\t\r'.includes(text[k])) k++;
      if (text[k] === close) { out += c + close; i = k; continue; }
      depth++;
      out += c + nl();
    } else if (c === '}' || c === ']') {
      depth--;
      out += nl() + c;
    } else if (c === ',') {
      out += ',' + nl();
    } else if (c === ':') {
      out += ': ';
    } else if (!' \n\t\r'.includes(c)) {
      out += c;
    }
  }
  return out;
}

// ---------------------------------------------------------------- the form from JSON text

/** One element of the form from an object's raw text, or a raw element when the form cannot hold it. */
function elementFromRaw(text) {
  const el = blankRequest();
  el.kind = 'raw';
  el.raw = text;
  if (!text.startsWith('{')) return el;
  const members = membersOf(text);
  const names = members.map(([n]) => n);
  if (new Set(names).size !== names.length) return el;
  const get = (n) => members.find(([m]) => m === n)?.[1];
  if (get('jsonrpc') !== '"2.0"') return el;
  const id = get('id');
  const setId = (target) => {
    if (id === undefined) target.idMode = 'none';
    else if (id === 'null') target.idMode = 'null';
    else if (id.startsWith('"') && stringValue(id) !== null) { target.idMode = 'string'; target.idValue = stringValue(id); }
    else if (/^-?[0-9]/.test(id)) { target.idMode = 'number'; target.idValue = id; }
    else return false;
    return true;
  };
  const out = { ...el, kind: 'request', raw: '{}' };
  if (names.every((n) => ['jsonrpc', 'method', 'params', 'id'].includes(n)) && get('method') !== undefined) {
    const method = stringValue(get('method'));
    if (method === null) return el;
    out.method = method;
    const params = get('params');
    const row = (value, name = '') => {
      const s = stringValue(value);
      return s !== null ? { name, value: s, type: 'string' } : { name, value: compact(value), type: 'json' };
    };
    if (params === undefined) out.paramsMode = 'none';
    else if (params.startsWith('[')) { out.paramsMode = 'position'; out.params = elementsOf(params).map((v) => row(v)); }
    else if (params.startsWith('{')) {
      const pm = membersOf(params);
      if (new Set(pm.map(([n]) => n)).size !== pm.length) return el;
      out.paramsMode = 'name';
      out.params = pm.map(([n, v]) => row(v, n));
    } else return el;
    return setId(out) ? out : el;
  }
  if (names.every((n) => ['jsonrpc', 'result', 'id'].includes(n)) && get('result') !== undefined && id !== undefined) {
    out.kind = 'response';
    out.result = compact(get('result'));
    return setId(out) && out.idMode !== 'none' ? out : el;
  }
  if (names.every((n) => ['jsonrpc', 'error', 'id'].includes(n)) && get('error')?.startsWith('{') && id !== undefined) {
    const em = membersOf(get('error'));
    const en = em.map(([n]) => n);
    const eget = (n) => em.find(([m]) => m === n)?.[1];
    if (new Set(en).size !== en.length || !en.every((n) => ['code', 'message', 'data'].includes(n))) return el;
    const code = eget('code');
    const message = eget('message') === undefined ? null : stringValue(eget('message'));
    if (code === undefined || !/^-?[0-9]+$/.test(code) || message === null) return el;
    out.kind = 'error';
    out.code = code;
    out.message = message;
    out.data = eget('data') === undefined ? '' : compact(eget('data'));
    return setId(out) && out.idMode !== 'none' ? out : el;
  }
  return el;
}

/** Fills the form from the editor's text where it can; returns a note for the person. */
function formFromText(text) {
  if (text.length > FORM_LIMIT) return `This message is ${(text.length / 1048576).toFixed(1)} MB: too large for the form, so edit it as JSON text; the check still runs.`;
  let value;
  try { value = readOne(text); } catch (e) { return `The JSON text does not parse (${e.message}); the form keeps the last message that did.`; }
  if (value.startsWith('[')) {
    const items = elementsOf(value);
    if (!items.length) return 'An empty array: add a message to the batch with the form, or type one.';
    state.elements = items.map(elementFromRaw);
    state.asBatch = true;
  } else {
    state.elements = [elementFromRaw(value)];
    state.asBatch = false;
  }
  const raw = state.elements.filter((e) => e.kind === 'raw').length;
  return raw ? `${raw === state.elements.length && raw === 1 ? 'This message' : `${raw} of ${state.elements.length} messages`} cannot be shown field by field (it is not a well-formed request or response), so it is kept as JSON text in the form.` : '';
}

// ---------------------------------------------------------------- rendering the form

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'text') node.textContent = v;
    else if (v === true) node.setAttribute(k, '');
    else if (v !== false && v !== undefined && v !== null) node.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function select(id, label, options, value, onchange) {
  return [h('label', { for: id, text: label }), h('select', { id, onchange: (e) => onchange(e.target.value) },
    options.map(([v, t]) => h('option', { value: v, text: t, selected: v === value })))];
}

function input(id, label, value, oninput, attrs = {}) {
  return h('span', { class: 'field' }, h('label', { for: id, text: label }),
    h('input', { id, type: 'text', value, spellcheck: 'false', autocomplete: 'off', oninput: (e) => oninput(e.target.value), ...attrs }));
}

function textarea(id, label, value, oninput) {
  return h('span', { class: 'field' }, h('label', { for: id, text: label }),
    h('textarea', { id, rows: 2, spellcheck: 'false', oninput: (e) => oninput(e.target.value) }, value));
}

function renderForm(focusId) {
  const list = $('elements');
  list.replaceChildren();
  const many = state.elements.length > 1;
  state.elements.forEach((el, index) => {
    const n = index + 1;
    const p = `el${n}`;
    const change = (fn, rerender = false) => (v) => { fn(v); if (rerender) renderForm(document.activeElement?.id); formChanged(); };
    const title = many || state.asBatch ? `Message ${n} of the batch` : 'Message';
    const tools = h('div', { class: 'element-tools' },
      h('button', { type: 'button', id: `${p}-up`, disabled: index === 0, 'aria-label': `Move message ${n} up`, onclick: () => move(index, -1, `${p}-up`) }, '↑ Up'),
      h('button', { type: 'button', id: `${p}-down`, disabled: index === state.elements.length - 1, 'aria-label': `Move message ${n} down`, onclick: () => move(index, 1, `${p}-down`) }, '↓ Down'),
      h('button', { type: 'button', id: `${p}-duplicate`, 'aria-label': `Duplicate message ${n}`, onclick: () => duplicate(index) }, 'Duplicate'),
      h('button', { type: 'button', id: `${p}-remove`, disabled: state.elements.length === 1, 'aria-label': `Remove message ${n}`, onclick: () => remove(index) }, 'Remove'));
    const kind = h('div', { class: 'row' }, select(`${p}-kind`, 'Kind', [
      ['request', 'Request or notification'], ['response', 'Response (result)'], ['error', 'Error response'], ['raw', 'Any JSON (typed as text)']],
    el.kind, change((v) => {
      if (v === 'raw' && el.kind !== 'raw') el.raw = elementText(el, 0);
      el.kind = v;
      if (v !== 'request' && el.idMode === 'none') el.idMode = 'auto';
    }, true)));
    const body = [];
    if (el.kind === 'request') {
      body.push(h('div', { class: 'row' }, input(`${p}-method`, 'Method', el.method, change((v) => { el.method = v; }), { list: 'method-names' })));
      body.push(h('div', { class: 'row' }, select(`${p}-params-mode`, 'Parameters', [['none', 'none (no params member)'], ['position', 'by position (an array)'], ['name', 'by name (an object)']],
        el.paramsMode, change((v) => { el.paramsMode = v; if (v !== 'none' && !el.params.length) el.params.push({ name: '', value: '', type: 'json' }); }, true))));
      if (el.paramsMode !== 'none') {
        const rows = el.params.map((param, i) => {
          const q = `${p}-param${i + 1}`;
          const what = el.paramsMode === 'name' ? `parameter ${i + 1}` : `parameter ${i + 1}`;
          const bad = param.type === 'json' && !isJson(param.value);
          return h('li', { class: 'row' },
            el.paramsMode === 'name' ? input(`${q}-name`, `Name of ${what}`, param.name, change((v) => { param.name = v; })) : null,
            h('span', { class: 'field' }, h('label', { for: `${q}-value`, text: `Value of ${what}` }),
              h('input', { id: `${q}-value`, type: 'text', value: param.value, spellcheck: 'false', autocomplete: 'off', 'aria-invalid': bad ? 'true' : 'false', 'aria-describedby': `${q}-hint`,
                oninput: (e) => { param.value = e.target.value; updateHint(q, param); formChanged(); } })),
            select(`${q}-type`, `Type of ${what}`, [['json', 'JSON (name:=json)'], ['string', 'string (name=value)']], param.type, change((v) => { param.type = v; updateHint(q, param); })),
            h('button', { type: 'button', id: `${q}-remove`, 'aria-label': `Remove ${what}`, onclick: () => { el.params.splice(i, 1); renderForm(`${p}-add-param`); formChanged(); } }, '✕'),
            h('span', { id: `${q}-hint`, class: 'note' }, hintText(param)));
        });
        body.push(h('ol', { class: 'params' }, rows));
        body.push(h('button', { type: 'button', id: `${p}-add-param`, onclick: () => { el.params.push({ name: '', value: '', type: 'json' }); renderForm(`${p}-param${el.params.length}-${el.paramsMode === 'name' ? 'name' : 'value'}`); formChanged(); } }, 'Add a parameter'));
      }
    } else if (el.kind === 'response') {
      body.push(h('div', { class: 'row' }, textarea(`${p}-result`, 'Result (JSON)', el.result, change((v) => { el.result = v; }))));
    } else if (el.kind === 'error') {
      const known = ERROR_CODES.some(([c]) => String(c) === el.code.trim()) ? el.code.trim() : el.code.trim() === '-32000' ? 'server' : 'other';
      body.push(h('div', { class: 'row' }, select(`${p}-code-name`, 'Error', [
        ...ERROR_CODES.map(([c, name]) => [String(c), `${c} ${name}`]), ['server', '-32000 to -32099 Server error'], ['other', 'another code']], known,
      change((v) => {
        const std = ERROR_CODES.find(([c]) => String(c) === v);
        if (std) { el.code = String(std[0]); el.message = std[1]; } else if (v === 'server') { el.code = '-32000'; el.message = 'Server error'; }
      }, true))));
      body.push(h('div', { class: 'row' }, input(`${p}-code`, 'Code (an integer)', el.code, change((v) => { el.code = v; })),
        input(`${p}-message`, 'Message', el.message, change((v) => { el.message = v; }))));
      body.push(h('div', { class: 'row' }, textarea(`${p}-data`, 'Data (JSON, optional)', el.data, change((v) => { el.data = v; }))));
    } else {
      body.push(h('div', { class: 'row' }, textarea(`${p}-raw`, 'JSON text of this message', el.raw, change((v) => { el.raw = v; }))));
    }
    if (el.kind !== 'raw') {
      const modes = [['auto', 'automatic number'], ['number', 'number'], ['string', 'string'], ['null', 'null']];
      if (el.kind === 'request') modes.push(['none', 'none: a notification']);
      body.push(h('div', { class: 'row' }, select(`${p}-id-mode`, 'Id', modes, el.idMode, change((v) => { el.idMode = v; }, true)),
        el.idMode === 'number' || el.idMode === 'string' ? input(`${p}-id`, el.idMode === 'number' ? 'Id number' : 'Id string', el.idValue, change((v) => { el.idValue = v; })) : null));
    }
    list.append(h('li', { class: 'element', id: p },
      h('fieldset', {}, h('legend', { text: title }), tools, kind, body, h('p', { class: 'element-verdict', id: `${p}-verdict`, 'aria-live': 'polite' }))));
  });
  $('as-batch').checked = state.asBatch || many;
  $('as-batch').disabled = many;
  if (focusId && $(focusId)) $(focusId).focus();
}

function hintText(param) {
  if (param.type === 'string') return '';
  if (param.value.trim() === '') return 'Type a JSON value (42, true, "text", [1,2]) or choose string.';
  return isJson(param.value) ? '' : 'Not valid JSON: choose string to send it as text.';
}

function updateHint(q, param) {
  const hint = $(`${q}-hint`);
  if (hint) hint.textContent = hintText(param);
  $(`${q}-value`)?.setAttribute('aria-invalid', param.type === 'json' && !isJson(param.value) ? 'true' : 'false');
}

function move(index, by, focusId) {
  const [el] = state.elements.splice(index, 1);
  state.elements.splice(index + by, 0, el);
  renderForm(focusId.replace(/^el\d+/, `el${index + by + 1}`));
  formChanged();
}

function duplicate(index) {
  const copy = structuredClone(state.elements[index]);
  copy.key = nextKey++;
  state.elements.splice(index + 1, 0, copy);
  renderForm(`el${index + 2}-kind`);
  formChanged();
}

function remove(index) {
  state.elements.splice(index, 1);
  if (state.elements.length === 0) state.elements.push(blankRequest());
  renderForm(`el${Math.min(index + 1, state.elements.length)}-kind`);
  formChanged();
}

// ---------------------------------------------------------------- editor and check

let editorText = '';

function setEditor(text) {
  editorText = text;
  $('editor').value = $('layout').value === 'pretty' && text.length <= FORM_LIMIT && isJson(text) ? pretty(text) : text;
  scheduleCheck();
}

function formChanged() {
  $('form-note').textContent = '';
  setEditor(messageText());
}

let checkTimer = 0;
function scheduleCheck() {
  clearTimeout(checkTimer);
  // Big texts are checked after a pause in typing; small ones at once (well within a frame).
  const text = $('editor').value;
  if (text.length > 200000) {
    $('verdict').textContent = 'Checking…';
    checkTimer = setTimeout(() => renderCheck(text), 250);
  } else {
    renderCheck(text);
  }
}

/** Renders the verdicts of `jrpc check` on the editor's text. */
export function renderCheck(text) {
  const errors = $('errors');
  const warnings = $('warnings');
  errors.replaceChildren();
  warnings.replaceChildren();
  const verdict = $('verdict');
  if (text.trim() === '') {
    verdict.textContent = 'No message yet: compose one with the form or type it here.';
    verdict.className = 'verdict';
    return [];
  }
  let checked;
  try {
    checked = checkAll(text);
  } catch (e) {
    verdict.textContent = `The checker failed on this text: ${e.message}`;
    verdict.className = 'verdict invalid';
    return [];
  }
  const many = checked.length > 1;
  let shown = 0;
  let hidden = 0;
  const add = (list, where, f) => {
    // A huge message may break one rule thousands of times: list the first few hundred.
    if (shown >= FINDINGS_SHOWN) { hidden++; return; }
    shown++;
    const section = f.section.startsWith('RFC') ? f.section : `§${f.section}`;
    list.append(h('li', { 'data-rule': f.rule }, h('span', { class: 'sev', text: `${f.severity}: ` }), where ? `${where}: ` : '', f.message,
      h('a', { class: 'rule', href: `#rule-${f.rule}`, title: RULES[f.rule].summary, text: f.rule }),
      h('span', { class: 'section', title: 'the section of the specification this rule comes from', text: section })));
  };
  const walk = (v, where) => {
    for (const f of v.findings) add(f.severity === 'error' ? errors : warnings, where, f);
    v.elements.forEach((e, i) => walk(e, `${where ? `${where}, ` : ''}element ${i + 1}`));
  };
  checked.forEach((c, i) => walk(c.verdict, many ? `message ${i + 1} (line ${c.line})` : ''));
  if (hidden) errors.append(h('li', { text: `…and ${hidden} more findings (not listed).` }));
  const valid = checked.every((c) => isValid(c.verdict));
  verdict.className = `verdict ${valid ? 'valid' : 'invalid'}`;
  verdict.textContent = many ? `${checked.length} messages: ${checked.map((c) => verdictWord(c.verdict)).join('; ')}` : verdictWord(checked[0].verdict);
  // Each form card shows its element's verdict.
  const top = checked.length === 1 ? checked[0].verdict : null;
  state.elements.forEach((_, i) => {
    const node = $(`el${i + 1}-verdict`);
    const card = $(`el${i + 1}`);
    if (!node) return;
    const v = top && (top.kind === 'batch' ? top.elements[i] : i === 0 ? top : null);
    node.textContent = v ? verdictWord(v) : '';
    card.classList.toggle('invalid', !!v && !isValid(v));
  });
  $('errors').setAttribute('aria-label', `Errors (${errors.children.length})`);
  $('warnings').setAttribute('aria-label', `Warnings (${warnings.children.length})`);
  return checked;
}

let editorTimer = 0;
function editorChanged() {
  editorText = $('editor').value;
  scheduleCheck();
  clearTimeout(editorTimer);
  editorTimer = setTimeout(() => {
    const note = formFromText(editorText);
    $('form-note').textContent = note;
    renderForm();
    if (editorText.length <= 200000) renderCheck(editorText);
  }, editorText.length > 200000 ? 300 : 60);
}

// ---------------------------------------------------------------- sending

function currentText() {
  return $('editor').value;
}

function setStatus(text, kind = '') {
  const s = $('status');
  s.textContent = text;
  s.className = `status ${kind}`;
}

/** What the person sent, element by element: kind, method, id key and whether an answer is due. */
function describeRequests(text) {
  let value;
  try { value = readOne(text); } catch { return null; }
  const items = value.startsWith('[') ? elementsOf(value) : [value];
  return {
    batch: value.startsWith('['),
    items: items.map((raw) => {
      const item = { raw, method: null, idKey: null, notification: false };
      if (!raw.startsWith('{')) return item;
      const m = membersOf(raw);
      const get = (n) => m.find(([k]) => k === n)?.[1];
      const method = get('method') === undefined ? null : stringValue(get('method'));
      const id = get('id');
      item.method = method;
      const v = checkAll(raw)[0]?.verdict;
      item.valid = v ? isValid(v) : false;
      if (id !== undefined && (id.startsWith('"') || /^-?[0-9]/.test(id))) item.idKey = compact(id);
      item.notification = item.valid && id === undefined && method !== null;
      return item;
    }),
  };
}

function decodeResponse(raw) {
  if (!raw.startsWith('{')) return { text: compact(raw) };
  const m = membersOf(raw);
  const get = (n) => m.find(([k]) => k === n)?.[1];
  const id = get('id');
  if (get('error') !== undefined && get('error').startsWith('{')) {
    const em = membersOf(get('error'));
    const eget = (n) => em.find(([k]) => k === n)?.[1];
    const code = Number(eget('code'));
    const message = eget('message') !== undefined ? stringValue(eget('message')) ?? eget('message') : '';
    const data = eget('data');
    return { idKey: id === undefined ? null : compact(id), error: true,
      text: `error ${eget('code')} (${codeName(code)}): ${message}${data !== undefined ? `; data: ${shorten(compact(data))}` : ''}` };
  }
  if (get('result') !== undefined) return { idKey: id === undefined ? null : compact(id), text: `result: ${shorten(compact(get('result')))}` };
  return { idKey: id === undefined ? null : compact(id), text: shorten(compact(raw)) };
}

const shorten = (s) => (s.length > 300 ? `${s.slice(0, 300)}…` : s);

/** Pairs the requests sent with the responses received: by id, and invalid elements with id null. */
export function pair(sent, replyText) {
  let responses = [];
  if (replyText !== null) {
    const value = readOne(replyText);
    responses = (value.startsWith('[') ? elementsOf(value) : [value]).map(decodeResponse);
  }
  const used = new Set();
  const rows = sent.items.map((item, i) => {
    const label = item.method !== null ? `${item.method}${item.idKey !== null ? ` (id ${item.idKey})` : ''}` : shorten(compact(item.raw));
    if (item.notification) return { n: i + 1, request: label, answer: 'notification: no reply, as the specification requires' };
    let j = -1;
    if (item.idKey !== null && item.valid !== false) j = responses.findIndex((r, k) => !used.has(k) && r.idKey === item.idKey);
    if (j < 0 && item.idKey !== null) j = responses.findIndex((r, k) => !used.has(k) && r.idKey === item.idKey);
    if (j < 0 && !item.valid) j = responses.findIndex((r, k) => !used.has(k) && r.idKey === 'null');
    if (j < 0) return { n: i + 1, request: label, answer: 'no response found for this request' };
    used.add(j);
    return { n: i + 1, request: label, answer: responses[j].text, error: responses[j].error };
  });
  responses.forEach((r, k) => { if (!used.has(k)) rows.push({ n: '–', request: 'unpaired response', answer: r.text, error: r.error }); });
  return rows;
}

function renderPairs(rows) {
  const box = $('pairs');
  box.replaceChildren();
  if (!rows.length) return;
  box.append(h('table', { class: 'pairs', id: 'pairs-table' },
    h('caption', { class: 'visually-hidden', text: 'Each request with its response' }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: '#' }), h('th', { scope: 'col', text: 'Request' }), h('th', { scope: 'col', text: 'Response' }))),
    h('tbody', {}, rows.map((r) => h('tr', { class: r.error ? 'error' : '' }, h('td', { text: String(r.n) }), h('td', { text: r.request }), h('td', { text: r.answer }))))));
}

function showBody(text, contentType) {
  const body = $('response-body');
  if (text === null || text === '') { body.textContent = ''; return; }
  body.textContent = isJson(text) ? pretty(readOne(text)) : text.slice(0, 20000);
  void contentType;
}

function httpUrl(url) {
  return url.replace(/^ws(s?):/i, 'http$1:');
}

async function send() {
  const text = currentText();
  const url = $('url').value.trim();
  if (!url) { setStatus('Type the server URL first.', 'bad'); $('url').focus(); return; }
  if (text.trim() === '') { setStatus('There is no message to send.', 'bad'); return; }
  const sent = describeRequests(text) ?? { batch: false, items: [] };
  renderPairs([]);
  showBody('', '');
  $('headers').textContent = '';
  addHistory(text, url);
  const allNotifications = sent.items.length > 0 && sent.items.every((i) => i.notification);
  if ($('transport').value === 'ws') return sendWs(url, text, sent, allNotifications);
  setStatus(`Sending to ${url}…`);
  const started = performance.now();
  let response;
  let body;
  try {
    response = await fetch(httpUrl(url), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: text, signal: AbortSignal.timeout(TIMEOUT_MS) });
    body = await response.text();
  } catch (e) {
    const why = e.name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : 'the server is not running, the URL is wrong, or it does not allow requests from this page (CORS)';
    setStatus(`Could not reach ${url}: ${why}.`, 'bad');
    return;
  }
  const ms = Math.round(performance.now() - started);
  $('headers').textContent = [`HTTP ${response.status} ${response.statusText}`, ...[...response.headers].map(([k, v]) => `${k}: ${v}`)].join('\n');
  const type = response.headers.get('content-type') ?? '';
  const head = `HTTP ${response.status} ${response.statusText} in ${ms} ms`;
  if (response.status === 204) {
    setStatus(`${head}: no reply, as the specification requires${allNotifications ? ' (only notifications were sent)' : ''}.`, 'ok');
    if (sent.items.length) renderPairs(pair(sent, null));
    return;
  }
  if (!isJson(body)) {
    const what = /html/i.test(type) || /^\s*</.test(body) ? 'an HTML page, not JSON: is this the JSON-RPC endpoint?' : `text that is not JSON (${type || 'no Content-Type'})`;
    setStatus(`${head}: the server answered ${what}`, 'bad');
    showBody(body, type);
    return;
  }
  setStatus(`${head}${response.ok ? '' : ' (not a success status)'}`, response.ok ? 'ok' : 'bad');
  showBody(body, type);
  if (sent.items.length) renderPairs(pair(sent, body));
}

let ws = null;
let wsWaiter = null;

function wsUrl(url) {
  return url.replace(/^http(s?):/i, 'ws$1:');
}

function addPush(text) {
  $('pushes-box').hidden = false;
  $('pushes').append(h('li', {}, h('code', { text: shorten(isJson(text) ? compact(readOne(text)) : text) })));
}

function openWs(url) {
  return new Promise((resolve) => {
    let socket;
    try { socket = new WebSocket(url); } catch (e) { setStatus(`Cannot open a WebSocket to ${url}: ${e.message}`, 'bad'); resolve(null); return; }
    let opened = false;
    socket.onopen = () => { opened = true; ws = socket; $('ws-close').hidden = false; resolve(socket); };
    socket.onerror = () => { if (!opened) { setStatus(`Could not open a WebSocket to ${url}: the server is not running, the URL is wrong, or it does not accept WebSocket upgrades.`, 'bad'); resolve(null); } };
    socket.onclose = (e) => {
      if (ws === socket) ws = null;
      $('ws-close').hidden = true;
      if (opened) {
        setStatus(`The WebSocket closed (code ${e.code}${e.reason ? `, “${e.reason}”` : ''})${wsWaiter ? ' before the reply came' : ''}. The next send opens a new one.`, e.code === 1000 && !wsWaiter ? '' : 'bad');
        if (wsWaiter) { wsWaiter(null); wsWaiter = null; }
      }
    };
    socket.onmessage = (e) => {
      const text = typeof e.data === 'string' ? e.data : '';
      let value = null;
      try { value = readOne(text); } catch { addPush(text); return; }
      const first = value.startsWith('[') ? elementsOf(value)[0] ?? '' : value;
      const isRequest = first.startsWith('{') && membersOf(first).some(([k]) => k === 'method');
      if (isRequest || !wsWaiter) { addPush(text); return; }
      wsWaiter(text);
      wsWaiter = null;
    };
  });
}

async function sendWs(url, text, sent, allNotifications) {
  const target = wsUrl(url);
  if (!ws || ws.url !== new URL(target).href || ws.readyState !== WebSocket.OPEN) {
    if (ws) ws.close();
    setStatus(`Opening a WebSocket to ${target}…`);
    if (!(await openWs(target))) return;
  }
  const started = performance.now();
  ws.send(text);
  if (allNotifications) {
    setStatus('Sent over WebSocket: no reply, as the specification requires (only notifications were sent).', 'ok');
    renderPairs(pair(sent, null));
    return;
  }
  setStatus('Sent over WebSocket; waiting for the reply…');
  const reply = await new Promise((resolve) => {
    wsWaiter = resolve;
    setTimeout(() => { if (wsWaiter === resolve) { wsWaiter = null; resolve(undefined); } }, TIMEOUT_MS);
  });
  if (reply === undefined) { setStatus(`No reply over WebSocket within ${TIMEOUT_MS / 1000} s.`, 'bad'); return; }
  if (reply === null) return; // the close handler said why
  const ms = Math.round(performance.now() - started);
  setStatus(`WebSocket reply in ${ms} ms`, 'ok');
  showBody(reply, 'application/json');
  if (sent.items.length) renderPairs(pair(sent, reply));
}

// ---------------------------------------------------------------- discover (OpenRPC)

let discovered = [];

async function discover() {
  const url = httpUrl($('url').value.trim());
  setStatus(`Asking ${url} for rpc.discover…`);
  let body;
  try {
    const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"jsonrpc":"2.0","method":"rpc.discover","id":"discover"}', signal: AbortSignal.timeout(TIMEOUT_MS) });
    body = await r.text();
  } catch {
    setStatus(`Could not reach ${url} to discover its methods.`, 'bad');
    return;
  }
  let doc;
  try { doc = JSON.parse(body); } catch { setStatus('The server answered rpc.discover with something that is not JSON.', 'bad'); return; }
  if (doc && doc.error) {
    setStatus(doc.error.code === -32601
      ? 'This server does not describe its methods (rpc.discover: -32601 Method not found). Type method names yourself.'
      : `rpc.discover failed: ${doc.error.code} ${codeName(doc.error.code)}: ${doc.error.message}`, doc.error.code === -32601 ? '' : 'bad');
    return;
  }
  const methods = doc?.result?.methods;
  if (!Array.isArray(methods)) { setStatus('rpc.discover answered, but not with an OpenRPC document (no methods list).', 'bad'); return; }
  discovered = methods.filter((m) => m && typeof m.name === 'string');
  const picker = $('method-picker');
  picker.replaceChildren(h('option', { value: '', text: 'Choose a method…' }), ...discovered.map((m, i) => h('option', { value: String(i), text: m.name })));
  $('method-names').replaceChildren(...discovered.map((m) => h('option', { value: m.name })));
  $('discovered').hidden = false;
  setStatus(`${discovered.length} method${discovered.length === 1 ? '' : 's'} from rpc.discover${doc.result.info?.title ? ` (${doc.result.info.title})` : ''}.`, 'ok');
}

function schemaType(schema) {
  const t = schema?.type;
  return Array.isArray(t) ? t : t ? [t] : [];
}

function pickMethod(index) {
  const m = discovered[Number(index)];
  const info = $('method-info');
  if (!m) { info.replaceChildren(); return; }
  const byName = m.paramStructure !== 'by-position';
  const el = blankRequest();
  el.method = m.name;
  const params = Array.isArray(m.params) ? m.params.filter((p) => p && typeof p.name === 'string') : [];
  el.paramsMode = params.length ? (byName ? 'name' : 'position') : 'none';
  el.params = params.map((p) => ({ name: p.name, value: '', type: schemaType(p.schema).length === 1 && schemaType(p.schema)[0] === 'string' ? 'string' : 'json' }));
  state.elements = [el];
  state.asBatch = false;
  const examples = Array.isArray(m.examples) ? m.examples : [];
  info.replaceChildren(
    h('p', {}, h('strong', { text: m.name }), m.summary ? ` — ${m.summary}` : ''),
    m.description ? h('p', { text: m.description }) : null,
    params.length ? h('ul', {}, params.map((p) => h('li', {}, h('code', { text: p.name }), `${p.required ? ' (required)' : ''}: ${schemaType(p.schema).join(' or ') || 'any'}${p.description ? ` — ${p.description}` : ''}`))) : h('p', { text: 'No parameters.' }),
    ...examples.map((ex, i) => h('button', { type: 'button', id: `example-${i + 1}`, onclick: () => useExample(m, ex) }, `Use example: ${ex.name ?? i + 1}`)));
  renderForm();
  formChanged();
}

function useExample(m, ex) {
  const el = state.elements[0];
  if (!el || !Array.isArray(ex.params)) return;
  for (const given of ex.params) {
    let row = el.params.find((p) => p.name === given.name);
    if (!row) { row = { name: given.name, value: '', type: 'json' }; el.params.push(row); }
    if (typeof given.value === 'string' && row.type === 'string') row.value = given.value;
    else { row.type = 'json'; row.value = JSON.stringify(given.value); }
  }
  if (el.paramsMode === 'none' && el.params.length) el.paramsMode = m.paramStructure === 'by-position' ? 'position' : 'name';
  renderForm();
  formChanged();
}

// ---------------------------------------------------------------- history, share, copy

function readHistory() {
  try {
    const list = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]');
    return Array.isArray(list) ? list.filter((e) => e && typeof e.text === 'string') : [];
  } catch { return []; }
}

function addHistory(text, url) {
  if (text.length > HISTORY_ENTRY_LIMIT) return;
  const list = readHistory().filter((e) => !(e.text === text && e.url === url));
  list.unshift({ text, url, transport: $('transport').value, at: new Date().toISOString() });
  try { localStorage.setItem(HISTORY_KEY, JSON.stringify(list.slice(0, HISTORY_MAX))); } catch { /* storage full or off: history is a convenience */ }
  renderHistory();
}

function renderHistory() {
  const list = readHistory();
  $('history').replaceChildren(...(list.length ? list.map((e, i) => h('li', {},
    h('button', { type: 'button', id: `history-${i + 1}`, 'aria-label': `Load sent message ${i + 1}`, onclick: () => { $('url').value = e.url; $('transport').value = e.transport === 'ws' ? 'ws' : 'http'; loadText(e.text); } }, 'Load'),
    ' ', h('code', { text: shorten(e.text.length > 200 ? `${e.text.slice(0, 200)}…` : e.text) }), h('span', { class: 'note', text: ` → ${e.url}` }))) : [h('li', { class: 'note', text: 'Messages you send appear here (kept in this browser only).' })]));
}

function toBase64Url(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s) {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

export function shareLink(text) {
  return `${location.origin}${location.pathname}#m=${toBase64Url(text)}`;
}

const shellQuote = (s) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** `jrpc call`/`notify`/`batch` arguments for one request element of the form. */
function jrpcArgs(el) {
  const args = [el.method];
  if (el.paramsMode === 'position') {
    for (const p of el.params) {
      if (p.type === 'json') args.push(valueText(p.value, 'json'));
      else args.push(isJson(p.value) || /^[{["]/.test(p.value) || p.value.includes('=') ? JSON.stringify(p.value) : p.value);
    }
  } else if (el.paramsMode === 'name') {
    for (const p of el.params) args.push(p.type === 'json' ? `${p.name}:=${valueText(p.value, 'json')}` : `${p.name}=${p.value}`);
  }
  return args.map(shellQuote);
}

export function jrpcCommand(url) {
  const els = state.elements;
  const requests = els.every((e) => e.kind === 'request');
  const compactText = isJson(currentText()) ? compact(readOne(currentText())) : currentText();
  if (!requests) return `jrpc check <<'EOF'\n${compactText}\nEOF`;
  if (els.length === 1 && !state.asBatch) {
    return `jrpc ${els[0].idMode === 'none' ? 'notify' : 'call'} ${shellQuote(url)} ${jrpcArgs(els[0]).join(' ')}`.trim();
  }
  return `jrpc batch ${shellQuote(url)} -- ${els.map((e) => `${e.idMode === 'none' ? '--notify ' : ''}${jrpcArgs(e).join(' ')}`).join(' , ')}`;
}

export function curlCommand(url, text) {
  return `curl -s ${shellQuote(httpUrl(url))} -H 'Content-Type: application/json' -d ${shellQuote(text)}`;
}

function copy(text, what) {
  $('copy-output').value = text;
  const done = () => setStatus(`${what} copied to the clipboard.`, 'ok');
  const failed = () => setStatus(`${what} is in the “Copied text” box: the browser did not allow the clipboard, so select and copy it there.`);
  try {
    if (navigator.clipboard?.writeText) navigator.clipboard.writeText(text).then(done, failed);
    else failed();
  } catch { failed(); }
}

function loadText(text) {
  $('editor').value = text;
  editorText = text;
  $('form-note').textContent = formFromText(text);
  renderForm();
  renderCheck(text);
}

// ---------------------------------------------------------------- start

function start() {
  const meta = document.querySelector('meta[name="jrpc-endpoint"]')?.content ?? '/';
  const path = meta.includes('{{') ? '/' : meta;
  const params = new URLSearchParams(location.hash.slice(1));
  $('url').value = params.get('url') ?? new URL(path, location.href).href;
  $('transport').addEventListener('change', () => {
    const url = $('url').value;
    $('url').value = $('transport').value === 'ws' ? wsUrl(url) : httpUrl(url);
  });
  $('url').addEventListener('input', () => {
    if (/^wss?:/i.test($('url').value)) $('transport').value = 'ws';
    else if (/^https?:/i.test($('url').value)) $('transport').value = 'http';
  });
  $('send').addEventListener('click', () => { send().catch((e) => setStatus(`Sending failed: ${e.message}`, 'bad')); });
  $('discover').addEventListener('click', () => { discover().catch((e) => setStatus(`Discovery failed: ${e.message}`, 'bad')); });
  $('ws-close').addEventListener('click', () => ws?.close(1000, 'closed by the playground'));
  $('method-picker').addEventListener('change', (e) => pickMethod(e.target.value));
  $('add-element').addEventListener('click', () => {
    state.elements.push(blankRequest());
    renderForm(`el${state.elements.length}-kind`);
    formChanged();
  });
  $('as-batch').addEventListener('change', (e) => { state.asBatch = e.target.checked; renderForm(); formChanged(); });
  $('new-message').addEventListener('click', () => { state.elements = [blankRequest()]; state.asBatch = false; renderForm('el1-method'); formChanged(); });
  $('layout').addEventListener('change', () => {
    const text = $('editor').value;
    if (text.length <= FORM_LIMIT && isJson(text)) setEditor($('layout').value === 'pretty' ? pretty(readOne(text)) : compact(readOne(text)));
  });
  $('editor').addEventListener('input', editorChanged);
  $('copy-json').addEventListener('click', () => copy(isJson(currentText()) ? compact(readOne(currentText())) : currentText(), 'The compact JSON'));
  $('copy-curl').addEventListener('click', () => copy(curlCommand($('url').value, isJson(currentText()) ? compact(readOne(currentText())) : currentText()), 'The curl command'));
  $('copy-jrpc').addEventListener('click', () => copy(jrpcCommand($('url').value), 'The jrpc command'));
  $('copy-link').addEventListener('click', () => {
    const text = currentText();
    if (text.length > LINK_LIMIT) { setStatus(`This message is too large for a link (${text.length} characters; the limit is ${LINK_LIMIT}).`, 'bad'); return; }
    copy(shareLink(text), 'The share link');
  });
  $('clear-history').addEventListener('click', () => { try { localStorage.removeItem(HISTORY_KEY); } catch { /* ignore */ } renderHistory(); });
  window.addEventListener('hashchange', fromHash);
  renderHistory();
  if (!fromHash()) {
    const el = blankRequest();
    el.method = 'subtract';
    el.paramsMode = 'position';
    el.params = [{ name: '', value: '42', type: 'json' }, { name: '', value: '23', type: 'json' }];
    state.elements = [el];
    renderForm();
    formChanged();
  }
}

function fromHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const m = params.get('m');
  if (m === null) return false;
  let text;
  try { text = fromBase64Url(m); } catch { setStatus('The link does not carry a readable message.', 'bad'); return false; }
  loadText(text);
  setStatus('Message loaded from the link.');
  return true;
}

// For the browser tests and the curious: the page's checker and state.
/** The rules table, as `jrpc check --list-rules` prints it: each finding links to its row. */
function renderRules() {
  const body = $('rules-body');
  for (const [id, rule] of Object.entries(RULES)) {
    body.append(h('tr', { id: `rule-${id}` }, h('td', {}, h('code', { text: id })), h('td', { text: rule.section }),
      h('td', { text: rule.keyword }), h('td', { text: rule.summary })));
  }
  $('rules-count').textContent = `${Object.keys(RULES).length} rules`;
}
renderRules();

window.jrpcPlayground = { RULES, checkAll, verdictJson, state, messageText, pair, codeName };

start();
