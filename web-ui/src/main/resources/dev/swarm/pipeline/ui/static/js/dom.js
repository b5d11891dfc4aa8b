// Building DOM without markup strings: every piece of data goes in as a text node or an attribute value, never
// through the HTML parser, because span names and attributes come from untrusted clients.

const SVG_NS = 'http://www.w3.org/2000/svg';

function set(e, props) {
  if (!props) return;
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k === 'class') e.setAttribute('class', v);
    else if (k === 'text') e.textContent = String(v);
    else if (k === 'dataset') for (const [dk, dv] of Object.entries(v)) { if (dv != null) e.dataset[dk] = String(dv); }
    else if (k === 'style') Object.assign(e.style, v); // CSSOM, which the page's CSP allows (no style attribute text)
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
}

function add(e, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) add(e, c);
    else if (c instanceof Node) e.append(c);
    else e.append(document.createTextNode(String(c)));
  }
}

/** An HTML element: h('a', {href: '/ui/', class: 'x'}, 'text', child, ...). */
export function h(tag, props, ...children) {
  const e = document.createElement(tag);
  set(e, props);
  add(e, children);
  return e;
}

/** An SVG element, same conventions. */
export function s(tag, props, ...children) {
  const e = document.createElementNS(SVG_NS, tag);
  set(e, props);
  add(e, children);
  return e;
}

/** Replaces the children of e. */
export function fill(e, ...children) {
  e.replaceChildren();
  add(e, children);
  return e;
}

/** A link inside the UI: path segments are URI-encoded. */
export function uiHref(kind, id) {
  return '/ui/' + kind + '/' + encodeURIComponent(id);
}

/**
 * A search result's trace page. Its tenant goes along: one trace id can name a trace in several tenants, and a
 * reader of every tenant then picks this one (a tenant's own token sees only its own anyway).
 */
export function traceHref(t) {
  return uiHref('trace', t.trace_id) + (t.tenant_id ? '?tenant_id=' + encodeURIComponent(t.tenant_id) : '');
}

/** A plain message box (errors, notices), text only. */
export function message(kind, title, lines = []) {
  return h('div', { class: 'msg msg-' + kind, role: kind === 'error' ? 'alert' : 'status' },
    h('strong', null, title), lines.length ? h('ul', null, lines.map((l) => h('li', null, l))) : null);
}
