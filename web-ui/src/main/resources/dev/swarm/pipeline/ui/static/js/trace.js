// /ui/trace/{trace_id}: header with the verdict in the API's words, lifecycle ribbon, minimap, windowed
// waterfall, span detail, find (kept in the URL as ?find=), critical path, self time, LLM roll-up.

import { apiGet } from './api.js';
import { fill, h, message, uiHref } from './dom.js';
import { fmtDuration, fmtInt } from './format.js';
import {
  buildModel, clockSkew, criticalPath, lifecycle, llmByModel, searchText, selfTimes, serviceOf, spanOnly,
} from './trace-model.js';
import { Minimap, Waterfall } from './waterfall.js';
import { setKeys } from './keys.js';

export async function tracePage(main, traceId) {
  document.title = 'Trace ' + traceId + ' · Swarm traces';
  fill(main, h('p', { class: 'loading', role: 'status' }, 'Loading trace ', h('code', null, traceId), '…'));
  let res;
  try {
    const tenant = new URLSearchParams(location.search).get('tenant_id');
    res = await apiGet('/api/traces/' + encodeURIComponent(traceId) + (tenant ? '?tenant_id=' + encodeURIComponent(tenant) : ''));
  } catch (e) {
    fill(main, h('section', { class: 'trace-page' }, h('h1', null, 'Trace ', h('code', null, traceId)),
      message('error', e.status === 404 ? 'No trace with this id is stored (404). It appears a few seconds after its last span arrived.' : e.message,
        e.lines ? e.lines() : [])));
    return;
  }
  const trace = res.json;
  const model = buildModel(trace);
  criticalPath(model);

  const page = h('section', { class: 'trace-page' });
  const head = header(trace, model, res.text);
  const findInput = h('input', { type: 'text', id: 'find', name: 'find', placeholder: 'find in trace: name, id, key=value  ( / )',
    'data-search-box': true, autocomplete: 'off', 'aria-label': 'find spans in this trace', size: 36 });
  const findCount = h('span', { id: 'find-count', class: 'find-count', 'aria-live': 'polite' });
  const critBox = h('input', { type: 'checkbox', id: 'show-critical', checked: true });
  const toolbar = h('div', { class: 'toolbar' },
    findInput, findCount,
    h('button', { type: 'button', id: 'find-prev', title: 'previous match (Shift+Enter in the box)' }, '↑'),
    h('button', { type: 'button', id: 'find-next', title: 'next match (Enter in the box)' }, '↓'),
    h('span', { class: 'sep' }),
    h('button', { type: 'button', id: 'expand-all' }, 'Expand all'),
    h('button', { type: 'button', id: 'collapse-all' }, 'Collapse all'),
    h('label', { class: 'check', title: 'spans whose durations determine when the trace ends' }, critBox, ' critical path'),
    h('span', { class: 'hint' }, '↑↓ select · Enter detail · Esc close · ←→ collapse/expand'));
  const miniHost = h('div', { class: 'minimap-host' });
  const wfHost = h('div', { class: 'wf-host' });
  const detail = h('aside', { id: 'detail', class: 'detail', hidden: true, 'aria-label': 'span detail' });
  const body = h('div', { class: 'trace-body' }, wfHost, detail);
  const tables = h('div', { class: 'trace-tables' });
  page.append(head, toolbar, miniHost, body, tables);
  fill(main, page);

  let detailNode = -1;
  let minimap = null;
  const wf = new Waterfall(wfHost, model, {
    onOpen: (node) => openDetail(node),
    onSelect: (node) => { if (detailNode >= 0 && node !== detailNode) openDetail(node); },
    onChange: () => { if (minimap) minimap.draw(); },
  });
  requestAnimationFrame(() => {
    performance.mark('ui:first-rows');
    document.body.dataset.ready = 'trace';
  });

  function openDetail(node) {
    detailNode = node;
    showDetail(detail, model, node, (other) => wf.select(other, true), closeDetail);
    body.classList.add('with-detail');
  }
  function closeDetail() {
    detailNode = -1;
    detail.hidden = true;
    detail.replaceChildren();
    body.classList.remove('with-detail');
  }

  // Find, kept in the URL.
  let matches = null;
  let matchList = [];
  let texts = null;
  const applyFind = (q, jump) => {
    const query = q.trim().toLowerCase();
    const url = new URL(location.href);
    if (query) url.searchParams.set('find', q.trim());
    else url.searchParams.delete('find');
    history.replaceState(null, '', url);
    if (!query) {
      matches = null;
      matchList = [];
      findCount.textContent = '';
      wf.setMatches(null);
      return;
    }
    if (!texts) texts = model.nodes.map((n) => searchText(n.span));
    matches = new Uint8Array(model.nodes.length);
    matchList = [];
    for (let i = 0; i < texts.length; i++) {
      if (texts[i].includes(query)) {
        matches[i] = 1;
        matchList.push(i);
      }
    }
    findCount.textContent = matchList.length === 1 ? '1 match' : matchList.length + ' matches';
    wf.setMatches(matches);
    if (jump && matchList.length > 0) wf.select(matchList[0], true);
  };
  const step = (dir) => {
    if (matchList.length === 0) return;
    const cur = wf.selected;
    let next;
    if (dir > 0) next = matchList.find((i) => i > cur) ?? matchList[0];
    else next = [...matchList].reverse().find((i) => i < cur) ?? matchList[matchList.length - 1];
    wf.select(next, true);
  };
  let findTimer = 0;
  findInput.addEventListener('input', () => {
    clearTimeout(findTimer);
    findTimer = setTimeout(() => applyFind(findInput.value, false), 150);
  });
  findInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      clearTimeout(findTimer);
      if (!matches) applyFind(findInput.value, true);
      else step(e.shiftKey ? -1 : 1);
    }
  });
  toolbar.querySelector('#find-next').addEventListener('click', () => step(1));
  toolbar.querySelector('#find-prev').addEventListener('click', () => step(-1));
  toolbar.querySelector('#expand-all').addEventListener('click', () => wf.setAll(false));
  toolbar.querySelector('#collapse-all').addEventListener('click', () => wf.setAll(true));
  critBox.addEventListener('change', () => { wf.setCritical(critBox.checked); if (minimap) minimap.draw(); });

  setKeys({
    move: (d) => wf.move(d),
    enter: () => { if (wf.selected >= 0) openDetail(wf.selected); },
    escape: () => { if (detailNode >= 0) closeDetail(); },
    collapse: (c) => { if (wf.selected >= 0) wf.toggle(wf.selected, c); },
  });

  const initialFind = new URLSearchParams(location.search).get('find');
  if (initialFind) {
    findInput.value = initialFind;
    applyFind(initialFind, true);
  }

  // The rest after the first rows are on screen.
  setTimeout(() => {
    minimap = new Minimap(miniHost, wf);
    minimap.draw();
    const skew = clockSkew(model);
    if (skew.length > 0) {
      head.append(skewNotice(model, skew, (node) => wf.select(node, true)));
      wf.setSkewed(skew);
    }
    tables.append(selfTimeTable(selfTimes(model), model), llmTable(llmByModel(model)));
    if (detailNode >= 0) openDetail(detailNode);
  }, 0);
}

function header(trace, model, rawText) {
  const verdict = trace.verdict || (trace.complete ? 'complete' : 'incomplete');
  const rootName = trace.root ? trace.root.span_name : '(no root span)';
  const download = h('button', { type: 'button', id: 'download-json', title: 'the API answer, as received' }, 'Download JSON');
  download.addEventListener('click', () => {
    const url = URL.createObjectURL(new Blob([rawText], { type: 'application/json' }));
    const a = h('a', { href: url, download: 'trace-' + trace.trace_id + '.json' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });
  const fact = (label, value, field) => h('div', { class: 'fact' }, h('dt', null, label),
    h('dd', { dataset: { field } }, value));
  const idLink = (kind, id) => (id ? h('a', { href: kind === 'ticket' ? uiHref('ticket', id) : '/ui/?' + new URLSearchParams({ [kind + '_id']: id }) }, id) : '—');
  const spanCount = trace.span_count ?? model.nodes.length;
  // The API's list when it gives one, else the service.name attributes of the spans.
  const services = Array.isArray(trace.services) ? trace.services.map(String) : model.services;
  const facts = h('dl', { class: 'facts' },
    fact('duration', fmtDuration(trace.duration_ms ?? model.span), 'duration'),
    fact('spans', String(spanCount), 'span-count'),
    fact('errors', String(trace.error_count ?? model.errors), 'error-count'),
    fact('depth', String(model.maxDepth), 'depth'),
    fact('services', services.length ? services.join(', ') : 'none recorded (no service.name)', 'services'),
    fact('start', trace.start_time || '—', 'start'),
    fact('tenant', trace.tenant_id ? idLink('tenant', trace.tenant_id) : '—', 'tenant'),
    fact('ticket', idLink('ticket', trace.ticket_id), 'ticket'),
    fact('agent', idLink('agent', trace.agent_id), 'agent'));
  const reasons = [];
  const orphanCount = trace.orphan_count ?? model.groups.filter((g) => g.marker && g.marker.kind === 'missing-parent').length;
  if (orphanCount > 0) reasons.push(['orphans', orphanCount, orphanCount === 1 ? 'subtree whose parent never arrived' : 'subtrees whose parents never arrived']);
  const extraRoots = Math.max(0, (trace.root_count ?? 1) - 1);
  if (extraRoots > 0) reasons.push(['extra-roots', extraRoots, extraRoots === 1 ? 'extra root span' : 'extra root spans']);
  if (trace.cycle_count > 0) reasons.push(['cycles', trace.cycle_count, trace.cycle_count === 1 ? 'parent cycle (cut)' : 'parent cycles (cut)']);
  if (trace.late_spans > 0) {
    reasons.push(['late', trace.late_spans, trace.late_spans === 1 ? 'span merged late' : 'spans merged late']);
  }
  if (trace.root == null) reasons.push(['no-root', '', 'no root span']);
  if (trace.truncated) reasons.push(['truncated', '', 'truncated: the API returned only the earliest ' + model.nodes.length + ' spans']);
  return h('header', { class: 'trace-head' },
    h('div', { class: 'title-line' },
      h('h1', null, rootName),
      h('code', { class: 'trace-id', title: 'trace id' }, trace.trace_id),
      h('span', { class: 'badge verdict verdict-' + verdict, id: 'verdict', dataset: { verdict } }, verdict),
      reasons.length ? h('ul', { class: 'reasons', id: 'verdict-reasons' },
        reasons.map(([k, n, text]) => h('li', { dataset: { reason: k } }, n === '' ? text : n + ' ' + text))) : null,
      h('span', { class: 'grow' }),
      trace.ticket_id ? h('a', { class: 'button', href: uiHref('ticket', trace.ticket_id) }, 'All attempts of ', trace.ticket_id) : null,
      download),
    facts,
    ribbon(lifecycle(model)));
}

function ribbon(stages) {
  return h('ol', { class: 'ribbon', id: 'lifecycle', 'aria-label': 'ticket lifecycle stages' },
    stages.map((st) => h('li', {
      class: 'stage stage-' + st.state, dataset: { stage: st.stage, state: st.state },
      title: st.stage + ': ' + (st.state === 'missing' ? 'missing' : st.count + ' span' + (st.count === 1 ? '' : 's')
        + (st.errors ? ', ' + st.errors + ' with status error' : '')),
    }, h('span', { class: 'stage-name' }, st.stage),
    st.state === 'missing' ? h('span', { class: 'stage-state' }, 'missing')
      : st.state === 'failed' ? h('span', { class: 'stage-state' }, 'failed')
        : st.count > 1 ? h('span', { class: 'stage-state' }, '×' + st.count) : null)));
}

function skewNotice(model, skew, go) {
  const shown = skew.slice(0, 5);
  return h('div', { class: 'msg msg-warn', id: 'skew-notice', role: 'status' },
    h('strong', null, 'Clock skew: ', String(skew.length), skew.length === 1 ? ' span starts' : ' spans start',
      ' before its parent. Times are shown as sent, not adjusted.'),
    h('ul', null, shown.map((sk) => {
      const c = model.nodes[sk.node].span;
      const p = model.nodes[sk.parent].span;
      return h('li', null, h('button', { type: 'button', class: 'linkish', onclick: () => go(sk.node) }, c.span_name),
        ' starts ', c.start_time, ', its parent ', p.span_name, ' starts ', p.start_time, ' (', fmtDuration(sk.by), ' earlier)');
    }), skew.length > shown.length ? h('li', null, '… and ' + (skew.length - shown.length) + ' more (rows marked "skew")') : null));
}

function showDetail(detail, model, node, go, close) {
  const n = model.nodes[node];
  const span = n.span;
  detail.hidden = false;
  detail.dataset.spanId = span.id;
  const row = (k, v) => h('tr', null, h('th', { scope: 'row' }, k), h('td', null, v));
  const val = (v) => (typeof v === 'string' ? v : JSON.stringify(v));
  const parentKnown = span.parent_span_id && model.byId.has(span.parent_span_id);
  const attrs = span.attributes && typeof span.attributes === 'object' ? Object.entries(span.attributes) : [];
  const events = Array.isArray(span.events) ? span.events : [];
  const closeBtn = h('button', { type: 'button', class: 'close', id: 'detail-close', 'aria-label': 'close detail (Esc)', title: 'close (Esc)' }, '×');
  closeBtn.addEventListener('click', close);
  fill(detail,
    h('div', { class: 'detail-head' }, h('h2', null, span.span_name), closeBtn),
    h('table', { class: 'kv', id: 'detail-fields' },
      row('span id', h('code', null, span.id)),
      row('parent', span.parent_span_id
        ? (parentKnown ? h('button', { type: 'button', class: 'linkish', onclick: () => go(model.byId.get(span.parent_span_id)) }, span.parent_span_id)
          : h('span', null, span.parent_span_id, ' ', h('em', null, '(missing from this trace)')))
        : h('em', null, 'none (root)')),
      row('trace id', h('code', null, span.trace_id)),
      row('kind', span.span_kind || 'internal'),
      row('status', h('span', { class: 'status-' + (span.status || 'unset') }, span.status || 'unset')),
      row('start', span.start_time),
      row('end', span.end_time || '—'),
      row('duration', fmtDuration(n.dur) + (typeof span.duration_ms === 'number' ? ' (' + span.duration_ms + ' ms)' : '')),
      row('self time', fmtDuration(n.self)),
      row('offset', '+' + fmtDuration(n.start - model.traceStart) + ' from trace start'),
      serviceOf(span) ? row('service', serviceOf(span)) : null,
      span.tenant_id ? row('tenant', span.tenant_id) : null,
      span.ticket_id ? row('ticket', span.ticket_id) : null,
      span.agent_id ? row('agent', span.agent_id) : null,
      row('children', String(n.children.length)),
      row('critical path', model.critical[node] ? 'yes' : 'no')),
    h('h3', null, 'Attributes (' + attrs.length + ')'),
    attrs.length ? h('table', { class: 'kv attrs', id: 'detail-attributes' },
      attrs.map(([k, v]) => h('tr', { dataset: { key: k } }, h('th', { scope: 'row' }, k), h('td', null, val(v)))))
      : h('p', { class: 'muted' }, 'none'),
    h('h3', null, 'Events (' + events.length + ')'),
    events.length ? h('ol', { class: 'events', id: 'detail-events' }, events.map((e) => h('li', null,
      h('div', null, h('strong', null, e.name), ' ', h('span', { class: 'muted' }, e.time,
        ' (+' + fmtDuration(Date.parse(e.time) - n.start) + ')')),
      e.attributes && Object.keys(e.attributes).length
        ? h('table', { class: 'kv' }, Object.entries(e.attributes).map(([k, v]) => h('tr', null, h('th', { scope: 'row' }, k), h('td', null, val(v)))))
        : null)))
      : h('p', { class: 'muted' }, 'none'),
    h('details', { class: 'raw' }, h('summary', null, 'Raw JSON'),
      h('pre', { id: 'detail-raw' }, JSON.stringify(spanOnly(span), null, 2))));
}

function selfTimeTable(rows, model) {
  const total = Math.max(1, model.span);
  return h('section', { class: 'panel' }, h('h2', null, 'Self time by span name'),
    h('table', { class: 'grid', id: 'self-time' },
      h('thead', null, h('tr', null, ['span name', 'count', 'total', 'self', 'self / trace', 'max', 'errors']
        .map((c, i) => h('th', { scope: 'col', class: i > 0 ? 'num' : null }, c)))),
      h('tbody', null, rows.map((r) => h('tr', { dataset: { name: r.name } },
        h('td', null, r.name), h('td', { class: 'num' }, fmtInt(r.count)), h('td', { class: 'num' }, fmtDuration(r.total)),
        h('td', { class: 'num' }, fmtDuration(r.self)), h('td', { class: 'num' }, (100 * r.self / total).toFixed(1) + '%'),
        h('td', { class: 'num' }, fmtDuration(r.max)), h('td', { class: 'num' + (r.errors ? ' err' : '') }, fmtInt(r.errors)))))));
}

function llmTable(llm) {
  return h('section', { class: 'panel' }, h('h2', null, 'LLM calls by model'),
    llm.calls === 0 ? h('p', { class: 'muted', id: 'llm-none' }, 'no llm.generate spans in this trace')
      : h('table', { class: 'grid', id: 'llm-by-model' },
        h('thead', null, h('tr', null, ['model', 'calls', 'tokens', 'errors'].map((c, i) => h('th', { scope: 'col', class: i > 0 ? 'num' : null }, c)))),
        h('tbody', null, llm.rows.map((r) => h('tr', { dataset: { model: r.model } }, h('td', null, r.model),
          h('td', { class: 'num' }, fmtInt(r.calls)), h('td', { class: 'num', dataset: { field: 'tokens' } }, fmtInt(r.tokens)),
          h('td', { class: 'num' + (r.errors ? ' err' : '') }, fmtInt(r.errors))))),
        h('tfoot', null, h('tr', null, h('th', { scope: 'row' }, 'total'), h('td', { class: 'num', id: 'llm-calls' }, fmtInt(llm.calls)),
          h('td', { class: 'num', id: 'llm-tokens' }, fmtInt(llm.tokens)), h('td', null)))));
}

