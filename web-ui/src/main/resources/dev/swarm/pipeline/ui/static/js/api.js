// Every API call of the UI goes through apiGet: same origin only, the bearer token (when one was given) on
// every request, one token prompt however many calls meet a 401 at once, and errors as ApiError with the
// API's own message and details.

import { h } from './dom.js';

const TOKEN_KEY = 'swarm-trace-ui.token';

export class ApiError extends Error {
  /** @param status HTTP status, 0 when the API could not be reached */
  constructor(status, message, details = [], body = null) {
    super(message);
    this.status = status;
    this.details = details;
    this.body = body;
  }

  /** Lines for a message box: "field: message" per detail of a 400. */
  lines() {
    return this.details.map((d) => (d.field ? d.field + ': ' : '') + (d.message || ''));
  }
}

function token() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function storeToken(t) {
  try {
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: the token lives as long as this page
  }
  memoryToken = t || null;
}

let memoryToken = null;
let pendingPrompt = null;

/** Asks for a token once; every caller waiting on a 401 shares the same dialog. Resolves null on cancel. */
function askToken(refused) {
  if (pendingPrompt) return pendingPrompt;
  pendingPrompt = new Promise((resolve) => {
    const input = h('input', { type: 'password', name: 'token', autocomplete: 'off', id: 'token-input',
      'aria-label': 'API token', required: true, size: 40 });
    const dialog = h('dialog', { id: 'token-dialog', class: 'token-dialog' });
    const done = (value) => {
      dialog.close();
      dialog.remove();
      pendingPrompt = null;
      resolve(value);
    };
    const form = h('form', { onsubmit: (e) => { e.preventDefault(); if (input.value.trim()) done(input.value.trim()); } },
      h('h2', null, 'API token needed'),
      h('p', null, refused ? 'The API refused the token (401). Enter another one.'
        : 'The API answered 401: it wants a bearer token. It is kept for this browser tab only (sessionStorage).'),
      h('label', { for: 'token-input' }, 'Token '), input,
      h('div', { class: 'dialog-buttons' },
        h('button', { type: 'submit', id: 'token-submit' }, 'Use token'),
        h('button', { type: 'button', id: 'token-cancel', onclick: () => done(null) }, 'Cancel')));
    dialog.append(form);
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); done(null); });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
  return pendingPrompt;
}

async function errorFrom(res) {
  const text = await res.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  const what = body && typeof body.error === 'string' ? body.error : (text.trim().slice(0, 300) || res.statusText);
  const details = body && Array.isArray(body.details) ? body.details : [];
  if (res.status === 403) {
    return new ApiError(403, '403 Forbidden: the token may not read this (' + what + ')', details, body);
  }
  return new ApiError(res.status, res.status + ' ' + what, details, body);
}

/**
 * GET a same-origin API path. Resolves { status, text, json }; rejects with ApiError for any answer other than
 * 2xx (after the token prompt for 401) or when the API cannot be reached.
 */
export async function apiGet(path) {
  if (!path.startsWith('/api/')) throw new Error('not an API path: ' + path);
  let refused = false;
  for (let attempt = 0; attempt < 3; attempt++) {
    // X-Requested-With: the API then leaves out its Basic challenge, so the browser shows no login dialog of its
    // own and a 401 comes here, to the UI's token prompt.
    const headers = { Accept: 'application/json', 'X-Requested-With': 'XMLHttpRequest' };
    const t = token() || memoryToken;
    if (t) headers.Authorization = 'Bearer ' + t;
    let res;
    try {
      res = await fetch(path, { headers, credentials: 'same-origin', cache: 'no-store' });
    } catch (e) {
      throw new ApiError(0, 'could not reach the API: ' + e.message);
    }
    if (res.status === 401) {
      if (attempt === 2) break;
      if (t) refused = true;
      const given = await askToken(refused);
      if (!given) throw new ApiError(401, '401: the API needs a token (Authorization: Bearer …) and none was given');
      storeToken(given);
      continue;
    }
    if (!res.ok) throw await errorFrom(res);
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new ApiError(res.status, 'the API answered something that is not JSON: ' + e.message);
    }
    return { status: res.status, text, json };
  }
  storeToken(null);
  throw new ApiError(401, '401: the API refused the token; reload the page to enter another');
}
