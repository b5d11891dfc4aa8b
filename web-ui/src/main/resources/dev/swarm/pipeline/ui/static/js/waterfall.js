// The waterfall, windowed: the model's preorder array is turned into an array of visible rows (collapsed
// subtrees skipped), and only the rows inside the viewport plus a margin exist in the DOM, absolutely placed in
// a spacer as tall as all rows. A 10,000-span trace keeps well under a hundred row elements.

import { h } from './dom.js';
import { fmtDuration } from './format.js';
import { serviceOf } from './trace-model.js';

const ROW_HEIGHT = 24;
const MARGIN_ROWS = 20;
const INDENT_PX = 14;
const MAX_INDENT_LEVELS = 28;

export class Waterfall {
  constructor(host, model, { onSelect, onOpen, onChange } = {}) {
    this.model = model;
    this.onSelect = onSelect || (() => {});
    this.onOpen = onOpen || (() => {});
    this.onChange = onChange || (() => {});
    const n = model.nodes.length;
    this.collapsed = new Uint8Array(n);
    this.matches = null;
    this.showCritical = true;
    this.skewed = new Uint8Array(n);
    this.selected = -1;
    this.items = new Int32Array(0);
    this.posOf = new Int32Array(n);
    this.rows = new Map();
    this.pending = false;

    this.axis = h('div', { class: 'wf-axis', 'aria-hidden': 'true' });
    this.spacer = h('div', { class: 'wf-spacer' });
    this.viewport = h('div', { class: 'wf-viewport', id: 'waterfall', tabindex: '0', role: 'tree',
      'aria-label': 'spans of the trace' }, this.spacer);
    this.el = h('div', { class: 'wf' },
      h('div', { class: 'wf-head' }, h('div', { class: 'wf-head-name' }, 'span'), this.axis), this.viewport);
    host.append(this.el);

    this.viewport.addEventListener('scroll', () => this.schedule());
    this.viewport.addEventListener('click', (e) => this.click(e));
    new ResizeObserver(() => { this.drawAxis(); this.schedule(); }).observe(this.viewport);
    this.rebuild();
    this.drawAxis();
  }

  /** Recomputes the visible rows after a collapse or expand; keeps the selection's position. */
  rebuild() {
    const m = this.model;
    const out = [];
    this.posOf.fill(-1);
    for (let g = 0; g < m.groups.length; g++) {
      const group = m.groups[g];
      if (group.marker) out.push(-(g + 1));
      let i = group.first;
      while (i < group.end) {
        this.posOf[i] = out.length;
        out.push(i);
        i = this.collapsed[i] ? m.subtreeEnd[i] : i + 1;
      }
    }
    this.items = Int32Array.from(out);
    this.spacer.style.height = this.items.length * ROW_HEIGHT + 'px';
    this.refresh();
    this.onChange();
  }

  /** Drops every row element and renders the window again (after a change of classes or rows). */
  refresh() {
    for (const el of this.rows.values()) el.remove();
    this.rows.clear();
    this.render();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }

  /** Renders the rows of the window: creates the missing ones, removes those scrolled away. */
  render() {
    const top = this.viewport.scrollTop;
    const height = this.viewport.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - MARGIN_ROWS);
    const last = Math.min(this.items.length, Math.ceil((top + height) / ROW_HEIGHT) + MARGIN_ROWS);
    for (const [pos, el] of this.rows) {
      if (pos < first || pos >= last) {
        el.remove();
        this.rows.delete(pos);
      }
    }
    const frag = document.createDocumentFragment();
    for (let pos = first; pos < last; pos++) {
      if (this.rows.has(pos)) continue;
      const el = this.row(pos);
      this.rows.set(pos, el);
      frag.append(el);
    }
    this.spacer.append(frag);
    if (this.onScroll) this.onScroll();
  }

  row(pos) {
    const item = this.items[pos];
    if (item < 0) return this.markerRow(pos, this.model.groups[-item - 1].marker);
    const m = this.model;
    const node = m.nodes[item];
    const span = node.span;
    const hasKids = node.children.length > 0;
    const cls = ['row'];
    if (span.status === 'error') cls.push('error');
    if (item === this.selected) cls.push('selected');
    if (this.matches && this.matches[item]) cls.push('match');
    if (this.showCritical && m.critical[item]) cls.push('critical');
    if (this.skewed[item]) cls.push('skew');
    const levels = Math.min(node.depth, MAX_INDENT_LEVELS);
    const left = ((node.start - m.traceStart) / m.span) * 100;
    const width = (node.dur / m.span) * 100;
    const label = h('span', { class: 'dur' }, fmtDuration(node.dur));
    if (left + width > 78) label.style.right = 'calc(' + (100 - left) + '% + 4px)';
    else label.style.left = 'calc(' + (left + width) + '% + 4px)';
    const service = serviceOf(span);
    const el = h('div', {
      class: cls.join(' '), role: 'treeitem', 'aria-level': node.depth + 1, 'aria-selected': item === this.selected ? 'true' : 'false',
      'aria-expanded': hasKids ? (this.collapsed[item] ? 'false' : 'true') : null,
      dataset: { spanId: span.id, pos, node: item },
      style: { transform: 'translateY(' + pos * ROW_HEIGHT + 'px)' },
    },
    h('div', { class: 'cell-name', style: { paddingLeft: 4 + levels * INDENT_PX + 'px' } },
      hasKids
        ? h('button', { class: 'tog', type: 'button', tabindex: '-1', title: this.collapsed[item] ? 'expand' : 'collapse',
          'aria-label': (this.collapsed[item] ? 'expand ' : 'collapse ') + span.span_name },
        this.collapsed[item] ? '▸' : '▾')
        : h('span', { class: 'tog-space' }),
      node.depth > MAX_INDENT_LEVELS ? h('span', { class: 'deep', title: 'depth ' + node.depth }, '↳' + node.depth) : null,
      h('span', { class: 'name', title: span.span_name }, span.span_name),
      this.collapsed[item] ? h('span', { class: 'hidden-count' }, '+' + (m.subtreeEnd[item] - item - 1)) : null,
      service ? h('span', { class: 'svc' }, service) : null,
      span.status === 'error' ? h('span', { class: 'err-badge', title: 'status error' }, 'error') : null,
      this.skewed[item] ? h('span', { class: 'skew-badge', title: 'starts before its parent (clock skew)' }, 'skew') : null),
    h('div', { class: 'cell-time' },
      h('div', { class: 'bar', style: { left: left + '%', width: width + '%' } }),
      label));
    return el;
  }

  markerRow(pos, marker) {
    const text = marker.kind === 'missing-parent' ? 'missing parent ' + marker.parentId
      : marker.kind === 'cycle' ? 'cycle: parent ' + marker.parentId + ' is already in this trace (cut here)'
        : 'extra root (no parent_span_id): a second tree in this trace';
    return h('div', {
      class: 'row marker marker-' + marker.kind, role: 'separator',
      dataset: { marker: marker.kind, missingParent: marker.kind === 'missing-parent' ? marker.parentId : null, pos },
      style: { transform: 'translateY(' + pos * ROW_HEIGHT + 'px)' },
    }, h('span', { class: 'marker-icon', 'aria-hidden': 'true' }, '⚠'), text);
  }

  drawAxis() {
    const m = this.model;
    this.axis.replaceChildren();
    for (const f of [0, 0.25, 0.5, 0.75, 1]) {
      const t = h('span', { class: 'tick' }, fmtDuration(m.span * f));
      if (f === 1) t.style.right = '0';
      else t.style.left = f * 100 + '%';
      this.axis.append(t);
    }
  }

  click(e) {
    const rowEl = e.target.closest('.row');
    if (!rowEl || rowEl.dataset.node == null) return;
    const node = Number(rowEl.dataset.node);
    if (e.target.closest('.tog')) {
      this.toggle(node);
      return;
    }
    this.select(node, false);
    this.onOpen(node);
  }

  toggle(node, collapse) {
    if (this.model.nodes[node].children.length === 0) return;
    const want = collapse == null ? !this.collapsed[node] : collapse;
    if (!!this.collapsed[node] === want) return;
    this.collapsed[node] = want ? 1 : 0;
    this.rebuild();
  }

  setAll(collapse) {
    const m = this.model;
    for (let i = 0; i < m.nodes.length; i++) this.collapsed[i] = collapse && m.nodes[i].children.length > 0 ? 1 : 0;
    this.rebuild();
  }

  /** Expands every ancestor of node, so it has a row. */
  reveal(node) {
    let changed = false;
    for (let p = this.model.nodes[node].parent; p >= 0; p = this.model.nodes[p].parent) {
      if (this.collapsed[p]) {
        this.collapsed[p] = 0;
        changed = true;
      }
    }
    if (changed) this.rebuild();
  }

  select(node, scroll = true) {
    if (node < 0 || node >= this.model.nodes.length) return;
    this.reveal(node);
    this.selected = node;
    if (scroll) this.scrollToPos(this.posOf[node]);
    this.refresh();
    this.onSelect(node);
  }

  /** Moves the selection by delta visible spans (marker rows are skipped). */
  move(delta) {
    if (this.items.length === 0) return;
    let pos = this.selected >= 0 ? this.posOf[this.selected] : (delta > 0 ? -1 : this.items.length);
    do {
      pos += delta;
    } while (pos >= 0 && pos < this.items.length && this.items[pos] < 0);
    if (pos < 0 || pos >= this.items.length) return;
    this.select(this.items[pos], true);
  }

  /** Scrolls so the row at pos is inside the viewport (nothing when it already is). */
  scrollToPos(pos, center = false) {
    if (pos < 0) return;
    const vh = this.viewport.clientHeight;
    const y = pos * ROW_HEIGHT;
    if (center) this.viewport.scrollTop = Math.max(0, y - vh / 2);
    else if (y < this.viewport.scrollTop) this.viewport.scrollTop = y;
    else if (y + ROW_HEIGHT > this.viewport.scrollTop + vh) this.viewport.scrollTop = y + ROW_HEIGHT - vh;
    this.render();
  }

  setMatches(matches) {
    this.matches = matches;
    this.refresh();
  }

  setCritical(on) {
    this.showCritical = on;
    this.refresh();
  }

  setSkewed(list) {
    for (const sk of list) this.skewed[sk.node] = 1;
    this.refresh();
  }
}

/** The whole trace in a few dozen pixels: one line per visible row, click or drag to jump there. */
export class Minimap {
  constructor(host, waterfall) {
    this.wf = waterfall;
    this.canvas = h('canvas', { class: 'minimap', id: 'minimap', height: '56', title: 'the whole trace: click or drag to jump',
      role: 'img', 'aria-label': 'minimap of the whole trace' });
    host.append(this.canvas);
    this.base = document.createElement('canvas');
    let dragging = false;
    const jump = (e) => {
      const r = this.canvas.getBoundingClientRect();
      const f = Math.min(1, Math.max(0, (e.clientY - r.top) / r.height));
      const pos = Math.min(this.wf.items.length - 1, Math.floor(f * this.wf.items.length));
      this.wf.scrollToPos(pos, true);
    };
    this.canvas.addEventListener('pointerdown', (e) => { dragging = true; this.canvas.setPointerCapture(e.pointerId); jump(e); });
    this.canvas.addEventListener('pointermove', (e) => { if (dragging) jump(e); });
    this.canvas.addEventListener('pointerup', () => { dragging = false; });
    waterfall.onScroll = () => this.overlay();
    new ResizeObserver(() => this.draw()).observe(this.canvas);
  }

  draw() {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.canvas.clientWidth * dpr));
    const hgt = Math.max(1, Math.round(this.canvas.clientHeight * dpr));
    this.canvas.width = w;
    this.canvas.height = hgt;
    this.base.width = w;
    this.base.height = hgt;
    const css = getComputedStyle(document.documentElement);
    const color = (name, fallback) => (css.getPropertyValue(name).trim() || fallback);
    const ctx = this.base.getContext('2d');
    ctx.clearRect(0, 0, w, hgt);
    const m = this.wf.model;
    const items = this.wf.items;
    const rowH = hgt / Math.max(1, items.length);
    const lineH = Math.max(1, rowH);
    const colors = { normal: color('--bar', '#4a7bd0'), error: color('--error', '#c62828'),
      critical: color('--critical', '#e08a00'), marker: color('--warn', '#b26a00') };
    this.viewportFill = color('--viewport-fill', 'rgba(120,120,120,0.2)');
    this.viewportStroke = color('--fg', '#000');
    for (let pos = 0; pos < items.length; pos++) {
      const item = items[pos];
      const y = pos * rowH;
      if (item < 0) {
        ctx.fillStyle = colors.marker;
        ctx.fillRect(0, y, w, lineH);
        continue;
      }
      const node = m.nodes[item];
      const x = ((node.start - m.traceStart) / m.span) * w;
      const bw = Math.max(1, (node.dur / m.span) * w);
      ctx.fillStyle = node.span.status === 'error' ? colors.error : colors.normal;
      ctx.fillRect(x, y, bw, lineH);
    }
    this.overlay();
  }

  overlay() {
    const ctx = this.canvas.getContext('2d');
    const w = this.canvas.width;
    const hgt = this.canvas.height;
    ctx.clearRect(0, 0, w, hgt);
    ctx.drawImage(this.base, 0, 0);
    const total = this.wf.items.length * ROW_HEIGHT;
    if (total <= 0) return;
    const vp = this.wf.viewport;
    const y = (vp.scrollTop / total) * hgt;
    const vh = Math.max(2, (vp.clientHeight / total) * hgt);
    ctx.fillStyle = this.viewportFill || 'rgba(120,120,120,0.2)';
    ctx.fillRect(0, y, w, vh);
    ctx.strokeStyle = this.viewportStroke || '#000';
    ctx.lineWidth = 1;
    ctx.strokeRect(0.5, y + 0.5, w - 1, Math.max(1, vh - 1));
  }
}

export { ROW_HEIGHT };
