// /ui/: the search page. Its state is the URL, with the parameter names of GET /api/traces (attr repeatable);
// the query sent to the API is the page's own query string minus the UI-only `sort`. No parameter at all: the
// recent traces (a plain GET /api/traces).

import { apiGet } from './api.js';
import { fill, h, message, s, traceHref, uiHref } from './dom.js';
import { fmtAgo, fmtClock, fmtDuration, fmtInt, fmtTime, isoUtc } from './format.js';
import { setKeys } from './keys.js';

/** Parameters of the page that are not sent to the API. */
const UI_ONLY = new Set(['sort']);

const PRESETS = [
  ['', 'any time', 0], ['15m', 'last 15 min', 15 * 60e3], ['1h', 'last 1 h', 3600e3], ['6h', 'last 6 h', 6 * 3600e3],
  ['24h', 'last 24 h', 24 * 3600e3], ['7d', 'last 7 d', 7 * 86400e3], ['custom', 'custom from/to', 0],
];

const SORTS = { start: (t) => Date.parse(t.start_time) || 0, duration: (t) => t.duration_ms ?? 0, spans: (t) => t.span_count ?? 0 };

/** Form fields with the API parameter each one carries. */
const TEXT_FIELDS = [
  ['ticket_id', 'ticket id', 'T-17'], ['agent_id', 'agent id', 'agent-3'], ['tenant_id', 'tenant', 'acme'],
  ['service', 'service', 'service.name'], ['span_name', 'span name', 'llm.generate'],
];

export async function searchPage(main) {
  document.title = 'Search · Swarm traces';
  delete document.body.dataset.ready;
  setKeys({});
  const params = new URLSearchParams(location.search);
  const form = buildForm(params);
  const status = h('div', { id: 'search-status', class: 'search-status' });
  const plot = h('div', { class: 'scatter-host', id: 'scatter-host' });
  const list = h('div', { id: 'results', class: 'results', role: 'list', 'aria-label': 'traces' });
  const more = h('div', { class: 'more' });
  fill(main, h('section', { class: 'search-page' }, form.el, status, plot, list, more));

  form.el.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = form.toParams(new URLSearchParams(location.search));
    history.pushState(null, '', '/ui/' + (next.toString() ? '?' + next : ''));
    searchPage(main);
  });

  const api = new URLSearchParams();
  for (const [k, v] of params) if (!UI_ONLY.has(k) && v !== '') api.append(k, v);
  const isSearch = [...api.keys()].some((k) => k !== 'limit');
  const state = { traces: [], sort: params.get('sort') || '-start', cursor: null, partial: false };
  const title = isSearch ? 'Search results' : 'Recent traces';

  const render = () => {
    const sorted = sortTraces(state.traces, state.sort);
    fill(status, h('h2', null, title), h('span', { class: 'count', id: 'result-count' },
      state.traces.length + (state.traces.length === 1 ? ' trace' : ' traces') + (state.cursor ? ' (more available)' : '')),
    state.partial ? message('warn', 'Partial page: the span_name search examined its bound of traces; "Load more" goes on from where it stopped.') : null);
    renderList(list, sorted, state.sort, (key) => {
      state.sort = state.sort === '-' + key ? key : '-' + key;
      const url = new URL(location.href);
      if (state.sort === '-start') url.searchParams.delete('sort');
      else url.searchParams.set('sort', state.sort);
      history.replaceState(null, '', url);
      render();
    });
    scatter(plot, state.traces);
    form.tenants(state.traces.map((t) => t.tenant_id).filter(Boolean));
    fill(more, state.cursor ? h('button', { type: 'button', id: 'load-more', onclick: loadMore }, 'Load more') : null);
  };

  const fetchPage = async (cursor) => {
    const q = new URLSearchParams(api);
    if (cursor) q.set('cursor', cursor);
    const res = await apiGet('/api/traces' + (q.toString() ? '?' + q : ''));
    const traces = Array.isArray(res.json.traces) ? res.json.traces : [];
    state.traces = state.traces.concat(traces);
    state.cursor = res.json.next_cursor || null;
    state.partial = !!res.json.partial;
  };
  async function loadMore() {
    try {
      await fetchPage(state.cursor);
      render();
    } catch (e) {
      showError(e);
    }
  }
  const showError = (e) => {
    fill(status, h('h2', null, title),
      message('error', e.status === 400 ? 'The API refused this search: ' + e.message : e.message, e.lines ? e.lines() : []));
    list.replaceChildren();
    plot.replaceChildren();
    more.replaceChildren();
    document.body.dataset.ready = 'search-error';
  };

  fill(status, h('p', { class: 'loading', role: 'status' }, isSearch ? 'Searching…' : 'Loading recent traces…'));
  try {
    await fetchPage(null);
  } catch (e) {
    showError(e);
    return;
  }
  render();
  document.body.dataset.ready = 'search';
  let resizeTimer = 0;
  window.onresize = () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => scatter(plot, state.traces), 150);
  };
}

function sortTraces(traces, sort) {
  const desc = sort.startsWith('-');
  const key = SORTS[desc ? sort.slice(1) : sort] ? (desc ? sort.slice(1) : sort) : 'start';
  const f = SORTS[key];
  return traces.map((t, i) => [t, i]).sort((a, b) => (desc ? f(b[0]) - f(a[0]) : f(a[0]) - f(b[0])) || a[1] - b[1])
    .map((p) => p[0]);
}

function buildForm(params) {
  const field = (name, label, input) => h('label', { class: 'field field-' + name }, h('span', null, label), input);
  const text = (name, placeholder, extra = {}) => h('input', { type: 'text', name, id: 'f-' + name, value: params.get(name) || '',
    placeholder, autocomplete: 'off', ...extra });
  const number = (name, placeholder) => h('input', { type: 'number', min: '0', step: '1', name, id: 'f-' + name,
    value: params.get(name) || '', placeholder });
  const select = (name, options) => {
    const el = h('select', { name, id: 'f-' + name });
    for (const [value, label] of options) el.append(h('option', { value, selected: (params.get(name) || '') === value }, label));
    return el;
  };
  const from = text('from', 'YYYY-MM-DDTHH:MM:SSZ');
  const to = text('to', 'now (empty)');
  const range = h('select', { id: 'f-range', 'aria-label': 'time range' });
  for (const [value, label] of PRESETS) range.append(h('option', { value }, label));
  range.value = params.get('from') || params.get('to') ? 'custom' : '';
  range.addEventListener('change', () => {
    const p = PRESETS.find((x) => x[0] === range.value);
    if (p && p[2] > 0) {
      from.value = isoUtc(Date.now() - p[2]);
      to.value = '';
    } else if (range.value === '') {
      from.value = '';
      to.value = '';
    } else {
      from.focus();
    }
  });
  for (const el of [from, to]) el.addEventListener('input', () => { range.value = 'custom'; });

  const tenantList = h('datalist', { id: 'tenant-list' });
  const textInputs = TEXT_FIELDS.map(([name, label, ph]) => field(name, label,
    text(name, ph, name === 'ticket_id' ? { 'data-search-box': true } : name === 'tenant_id' ? { list: 'tenant-list' } : {})));
  const attrBox = h('div', { class: 'attrs-box', id: 'attr-inputs' });
  const addAttr = (value) => attrBox.append(h('input', { type: 'text', name: 'attr', value: value || '', placeholder: 'key=value',
    autocomplete: 'off', 'aria-label': 'attribute filter key=value' }));
  for (const a of params.getAll('attr')) addAttr(a);
  addAttr('');

  const el = h('form', { class: 'search-form', id: 'search-form', role: 'search', autocomplete: 'off' },
    h('div', { class: 'form-row' },
      field('range', 'time range', range), field('from', 'from (ISO, inclusive)', from), field('to', 'to (exclusive)', to),
      ...textInputs, tenantList),
    h('div', { class: 'form-row' },
      field('status', 'status', select('status', [['', 'any'], ['ok', 'ok (no error span)'], ['error', 'error']])),
      field('min_duration_ms', 'min duration (ms)', number('min_duration_ms', '0')),
      field('max_duration_ms', 'max duration (ms)', number('max_duration_ms', '∞')),
      field('complete', 'verdict', select('complete', [['', 'any'], ['true', 'complete'], ['false', 'incomplete']])),
      h('div', { class: 'field field-attr' }, h('span', null, 'attributes (key=value)'), attrBox,
        h('button', { type: 'button', class: 'small', id: 'add-attr', onclick: () => addAttr('') }, '+ attribute')),
      h('div', { class: 'buttons' },
        h('button', { type: 'submit', id: 'search-submit', class: 'primary' }, 'Search'),
        h('a', { href: '/ui/', class: 'button', id: 'search-reset' }, 'Reset'))));

  const managed = ['from', 'to', 'status', 'min_duration_ms', 'max_duration_ms', 'complete', 'attr', 'cursor',
    ...TEXT_FIELDS.map((f) => f[0])];
  return {
    el,
    /** The page's next parameters: what the form says, plus parameters it does not show (limit, sort, …). */
    toParams(current) {
      const out = new URLSearchParams();
      for (const [k, v] of current) if (!managed.includes(k)) out.append(k, v);
      for (const input of el.querySelectorAll('input[name], select[name]')) {
        const v = input.value.trim();
        if (v !== '') out.append(input.name, v);
      }
      return out;
    },
    tenants(ids) {
      const known = new Set([...tenantList.children].map((o) => o.value));
      for (const id of ids) if (!known.has(id)) { known.add(id); tenantList.append(h('option', { value: id })); }
    },
  };
}

function renderList(list, traces, sort, onSort) {
  const maxDur = Math.max(1, ...traces.map((t) => t.duration_ms ?? 0));
  const sortButton = (key, label) => {
    const active = sort === key || sort === '-' + key;
    return h('button', { type: 'button', class: 'sort' + (active ? ' active' : ''), id: 'sort-' + key,
      'aria-sort': active ? (sort.startsWith('-') ? 'descending' : 'ascending') : 'none', onclick: () => onSort(key) },
    label, active ? (sort.startsWith('-') ? ' ▼' : ' ▲') : '');
  };
  const head = h('div', { class: 'result result-head', role: 'presentation' },
    h('span', null, 'root span'), sortButton('start', 'start'), sortButton('duration', 'duration'), sortButton('spans', 'spans'),
    h('span', null, 'errors'), h('span', null, 'verdict'), h('span', null, 'services'), h('span', { class: 'num' }, 'LLM tokens'));
  const now = Date.now();
  fill(list, head, traces.length === 0 ? h('p', { class: 'empty muted', id: 'no-results' }, 'No traces match.') : null,
    traces.map((t) => {
      const start = Date.parse(t.start_time);
      const verdict = t.verdict || (t.complete ? 'complete' : 'incomplete');
      const services = Array.isArray(t.services) ? t.services : null;
      const errors = t.error_count ?? 0;
      return h('div', { class: 'result' + (errors > 0 ? ' has-errors' : ''), role: 'listitem', dataset: { traceId: t.trace_id } },
        h('span', { class: 'root' },
          h('a', { href: traceHref(t), class: 'root-name' }, t.root_span_name || '(no root span)'),
          h('span', { class: 'ids muted' },
            t.ticket_id ? h('a', { href: uiHref('ticket', t.ticket_id), title: 'all attempts of this ticket' }, t.ticket_id) : null,
            t.agent_id ? ' · ' + t.agent_id : null, t.tenant_id ? ' · ' + t.tenant_id : null)),
        h('span', { class: 'start', title: t.start_time || '' }, fmtTime(start), h('span', { class: 'muted ago' }, fmtAgo(start, now))),
        h('span', { class: 'dur-cell' }, h('span', { class: 'dbar' + (errors > 0 ? ' err' : ''), style: { width: Math.max(0.5, 100 * (t.duration_ms ?? 0) / maxDur) + '%' } }),
          h('span', { class: 'dtext' }, fmtDuration(t.duration_ms))),
        h('span', { class: 'num spans', dataset: { field: 'spans' } }, String(t.span_count ?? '—')),
        h('span', { class: 'num errors' + (errors > 0 ? ' err' : ''), dataset: { field: 'errors' } }, String(errors)),
        h('span', { class: 'badge verdict verdict-' + verdict, dataset: { verdict } }, verdict),
        h('span', { class: 'services' }, services ? services.map((x) => h('span', { class: 'chip' }, x)) : h('span', { class: 'muted', title: 'the API gives no services yet' }, '—')),
        h('span', { class: 'num tokens', dataset: { field: 'llm-tokens' }, title: t.llm_calls != null ? t.llm_calls + ' LLM calls' : '' },
          t.llm_tokens != null ? fmtInt(t.llm_tokens) : '—', t.llm_calls != null ? h('span', { class: 'muted' }, ' (' + t.llm_calls + ' calls)') : null));
    }));
}

/** Duration over start time, one dot per trace; a dot opens its trace. */
function scatter(host, traces) {
  host.replaceChildren();
  const pts = traces.map((t) => ({ t, x: Date.parse(t.start_time), y: t.duration_ms ?? 0 })).filter((p) => Number.isFinite(p.x));
  if (pts.length === 0) return;
  const W = Math.max(320, host.clientWidth || 900);
  const H = 150;
  const pad = { l: 64, r: 14, t: 10, b: 22 };
  let x0 = Math.min(...pts.map((p) => p.x));
  let x1 = Math.max(...pts.map((p) => p.x));
  if (x1 - x0 < 1000) { x0 -= 30000; x1 += 30000; }
  const y1 = Math.max(1, ...pts.map((p) => p.y)) * 1.08;
  const X = (v) => pad.l + ((v - x0) / (x1 - x0)) * (W - pad.l - pad.r);
  const Y = (v) => H - pad.b - (v / y1) * (H - pad.t - pad.b);
  const svg = s('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, class: 'scatter', id: 'scatter', role: 'img',
    'aria-label': 'duration over start time, one dot per trace' });
  svg.append(s('line', { x1: pad.l, y1: H - pad.b, x2: W - pad.r, y2: H - pad.b, class: 'axis' }),
    s('line', { x1: pad.l, y1: pad.t, x2: pad.l, y2: H - pad.b, class: 'axis' }));
  for (const f of [0, 0.5, 1]) {
    const v = (y1 / 1.08) * f;
    svg.append(s('text', { x: pad.l - 6, y: Y(v) + 4, class: 'tick', 'text-anchor': 'end' }, fmtDuration(v)));
    if (f > 0) svg.append(s('line', { x1: pad.l, y1: Y(v), x2: W - pad.r, y2: Y(v), class: 'grid' }));
  }
  for (const f of [0, 0.5, 1]) {
    const v = x0 + (x1 - x0) * f;
    svg.append(s('text', { x: X(v), y: H - 6, class: 'tick', 'text-anchor': f === 0 ? 'start' : f === 1 ? 'end' : 'middle' }, fmtClock(v)));
  }
  for (const p of pts) {
    const id = p.t.trace_id;
    const dot = s('circle', { cx: X(p.x), cy: Y(p.y), r: 4.5, class: 'dot' + ((p.t.error_count ?? 0) > 0 ? ' err' : '')
      + (p.t.complete === false ? ' incomplete' : ''), tabindex: '0', role: 'link', dataset: { trace: id },
    'aria-label': (p.t.root_span_name || 'trace') + ' ' + fmtDuration(p.y) },
    s('title', null, (p.t.root_span_name || '(no root span)') + ' · ' + fmtDuration(p.y) + ' · ' + (p.t.start_time || '') + ' · ' + id));
    const open = () => location.assign(traceHref(p.t));
    dot.addEventListener('click', open);
    dot.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
    svg.append(dot);
  }
  host.append(svg);
}
