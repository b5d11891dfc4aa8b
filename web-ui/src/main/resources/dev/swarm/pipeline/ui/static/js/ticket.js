// /ui/ticket/{ticket_id}: every trace (attempt) of the ticket, newest first, and two attempts side by side:
// duration per stage (span name), LLM calls and tokens, outcome.

import { apiGet } from './api.js';
import { fill, h, message, uiHref } from './dom.js';
import { fmtDuration, fmtInt, fmtTime } from './format.js';
import { setKeys } from './keys.js';
import { buildModel, STAGES, stageSummary } from './trace-model.js';

export async function ticketPage(main, ticketId) {
  document.title = 'Ticket ' + ticketId + ' · Swarm traces';
  setKeys({});
  const heading = h('h1', null, 'Ticket ', h('code', null, ticketId));
  fill(main, h('section', { class: 'ticket-page' }, heading, h('p', { class: 'loading', role: 'status' }, 'Loading attempts…')));
  let traces;
  try {
    const res = await apiGet('/api/traces?' + new URLSearchParams({ ticket_id: ticketId, limit: '100' }));
    traces = Array.isArray(res.json.traces) ? res.json.traces : [];
  } catch (e) {
    fill(main, h('section', { class: 'ticket-page' }, heading, message('error', e.message, e.lines ? e.lines() : [])));
    return;
  }
  // Newest first (the API's order; sorted again so the page never depends on it).
  traces.sort((a, b) => (Date.parse(b.start_time) || 0) - (Date.parse(a.start_time) || 0) || (a.trace_id < b.trace_id ? 1 : -1));
  const number = new Map(traces.map((t, i) => [t.trace_id, traces.length - i]));
  const compare = h('section', { class: 'panel compare', id: 'compare' });
  const picked = [];
  const boxes = new Map();

  const list = h('div', { class: 'attempts', id: 'attempts', role: 'list' },
    h('div', { class: 'attempt attempt-head', role: 'presentation' }, h('span', null, 'compare'), h('span', null, 'attempt'),
      h('span', null, 'start'), h('span', null, 'duration'), h('span', { class: 'num' }, 'spans'), h('span', { class: 'num' }, 'errors'),
      h('span', null, 'verdict'), h('span', null, 'root span')),
    traces.map((t) => {
      const box = h('input', { type: 'checkbox', class: 'pick', 'aria-label': 'compare attempt ' + number.get(t.trace_id) });
      boxes.set(t.trace_id, box);
      box.addEventListener('change', () => {
        const i = picked.indexOf(t.trace_id);
        if (box.checked && i < 0) picked.push(t.trace_id);
        if (!box.checked && i >= 0) picked.splice(i, 1);
        while (picked.length > 2) boxes.get(picked.shift()).checked = false;
        runCompare();
      });
      const verdict = t.verdict || (t.complete ? 'complete' : 'incomplete');
      return h('div', { class: 'attempt' + ((t.error_count ?? 0) > 0 ? ' has-errors' : ''), role: 'listitem', dataset: { traceId: t.trace_id } },
        h('span', null, box),
        h('span', { class: 'attempt-no' }, '#' + number.get(t.trace_id)),
        h('span', { title: t.start_time || '' }, fmtTime(Date.parse(t.start_time))),
        h('span', null, fmtDuration(t.duration_ms)),
        h('span', { class: 'num' }, String(t.span_count ?? '—')),
        h('span', { class: 'num' + ((t.error_count ?? 0) > 0 ? ' err' : '') }, String(t.error_count ?? 0)),
        h('span', { class: 'badge verdict verdict-' + verdict, dataset: { verdict } }, verdict),
        h('a', { href: uiHref('trace', t.trace_id) }, t.root_span_name || '(no root span)', ' ', h('code', { class: 'muted' }, t.trace_id)));
    }));

  fill(main, h('section', { class: 'ticket-page' }, heading,
    h('p', { class: 'muted', id: 'attempt-count' }, traces.length + (traces.length === 1 ? ' attempt' : ' attempts'),
      traces.length >= 100 ? ' (the newest 100)' : '', ' · ', h('a', { href: '/ui/?' + new URLSearchParams({ ticket_id: ticketId }) }, 'open as a search')),
    traces.length === 0 ? message('info', 'No trace carries this ticket id.') : list,
    compare));

  let generation = 0;
  async function runCompare() {
    const gen = ++generation;
    if (picked.length < 2) {
      fill(compare, h('h2', null, 'Compare attempts'), h('p', { class: 'muted' }, 'Tick two attempts to compare them.'));
      return;
    }
    // Older first, so the change reads from A to B.
    const pair = picked.slice().sort((a, b) => number.get(a) - number.get(b));
    fill(compare, h('h2', null, 'Compare attempts'), h('p', { class: 'loading' }, 'Loading both traces…'));
    let docs;
    try {
      docs = await Promise.all(pair.map((id) => apiGet('/api/traces/' + encodeURIComponent(id))));
    } catch (e) {
      if (gen === generation) fill(compare, h('h2', null, 'Compare attempts'), message('error', e.message, e.lines ? e.lines() : []));
      return;
    }
    if (gen !== generation) return;
    renderCompare(compare, pair.map((id, i) => ({ id, no: number.get(id), trace: docs[i].json, sum: stageSummary(buildModel(docs[i].json)) })));
  }

  for (const t of traces.slice(0, 2)) {
    boxes.get(t.trace_id).checked = true;
    picked.push(t.trace_id);
  }
  runCompare();
  document.body.dataset.ready = 'ticket';
}

function renderCompare(host, [a, b]) {
  const delta = (x, y, fmt) => {
    if (x == null || y == null) return '';
    const d = y - x;
    return d === 0 ? '=' : (d > 0 ? '+' : '−') + fmt(Math.abs(d));
  };
  const row = (label, va, vb, d, key) => h('tr', { dataset: { row: key } }, h('th', { scope: 'row' }, label),
    h('td', { class: 'num', dataset: { side: 'a' } }, va), h('td', { class: 'num', dataset: { side: 'b' } }, vb),
    h('td', { class: 'num delta' }, d));
  const verdict = (t) => t.verdict || (t.complete ? 'complete' : 'incomplete');
  const names = new Set([...a.sum.stages.keys(), ...b.sum.stages.keys()]);
  const ordered = STAGES.filter((st) => names.has(st)).concat([...names].filter((n) => !STAGES.includes(n)).sort());
  const stageCell = (sum, name) => {
    const r = sum.stages.get(name);
    if (!r) return h('span', { class: 'muted' }, 'missing');
    return h('span', { class: r.errors ? 'err' : null }, fmtDuration(r.total), r.count > 1 ? ' ×' + r.count : '', r.errors ? ' (' + r.errors + ' error)' : '');
  };
  const total = (sum, name) => (sum.stages.get(name) ? sum.stages.get(name).total : null);
  fill(host, h('h2', null, 'Compare attempts #' + a.no + ' and #' + b.no),
    h('table', { class: 'grid compare-table', id: 'compare-table' },
      h('thead', null, h('tr', null, h('th', null, ''),
        h('th', { scope: 'col', class: 'num' }, h('a', { href: uiHref('trace', a.id) }, 'A: #' + a.no)),
        h('th', { scope: 'col', class: 'num' }, h('a', { href: uiHref('trace', b.id) }, 'B: #' + b.no)),
        h('th', { scope: 'col', class: 'num' }, 'B − A'))),
      h('tbody', { class: 'outcome' },
        row('verdict', verdict(a.trace), verdict(b.trace), '', 'verdict'),
        row('outcome (ticket.complete)', a.sum.outcome ?? '—', b.sum.outcome ?? '—', '', 'outcome'),
        row('errors', String(a.trace.error_count ?? 0), String(b.trace.error_count ?? 0), delta(a.trace.error_count ?? 0, b.trace.error_count ?? 0, String), 'errors'),
        row('spans', String(a.trace.span_count ?? 0), String(b.trace.span_count ?? 0), delta(a.trace.span_count ?? 0, b.trace.span_count ?? 0, String), 'spans'),
        row('duration', fmtDuration(a.trace.duration_ms), fmtDuration(b.trace.duration_ms), delta(a.trace.duration_ms, b.trace.duration_ms, fmtDuration), 'duration'),
        row('LLM calls', fmtInt(a.sum.llm.calls), fmtInt(b.sum.llm.calls), delta(a.sum.llm.calls, b.sum.llm.calls, String), 'llm-calls'),
        row('LLM tokens', fmtInt(a.sum.llm.tokens), fmtInt(b.sum.llm.tokens), delta(a.sum.llm.tokens, b.sum.llm.tokens, fmtInt), 'llm-tokens')),
      h('tbody', { class: 'stages' },
        h('tr', null, h('th', { colspan: '4', class: 'section' }, 'duration per stage (sum over spans of that name)')),
        ordered.map((name) => row(name, stageCell(a.sum, name), stageCell(b.sum, name),
          delta(total(a.sum, name), total(b.sum, name), fmtDuration), 'stage:' + name)))));
}
