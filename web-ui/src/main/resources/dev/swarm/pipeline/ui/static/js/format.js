// Numbers and times as people read them. Raw API times are always shown somewhere too.

export function fmtDuration(ms) {
  if (ms == null || !Number.isFinite(ms)) return '—';
  if (ms < 0) return '-' + fmtDuration(-ms);
  if (ms < 1) return ms === 0 ? '0 ms' : ms.toFixed(2) + ' ms';
  if (ms < 1000) return Math.round(ms) + ' ms';
  if (ms < 10000) return (ms / 1000).toFixed(2) + ' s';
  if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
  const totalS = Math.round(ms / 1000);
  if (totalS < 3600) return Math.floor(totalS / 60) + ' min ' + (totalS % 60) + ' s';
  const m = Math.floor(totalS / 60);
  if (m < 1440) return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
  return Math.floor(m / 1440) + ' d ' + Math.floor((m % 1440) / 60) + ' h';
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** Local time with milliseconds: 2026-12-03 16:30:51.544 */
export function fmtTime(ms) {
  if (ms == null || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':'
    + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3);
}

/** Short local time for axes: 16:30:51 */
export function fmtClock(ms) {
  const d = new Date(ms);
  return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
}

export function fmtInt(n) {
  return n == null || !Number.isFinite(Number(n)) ? '—' : Number(n).toLocaleString('en-US');
}

/** "3 min ago" */
export function fmtAgo(ms, now = Date.now()) {
  const d = now - ms;
  if (!Number.isFinite(d)) return '';
  if (d < 0) return 'in ' + fmtDuration(-d);
  if (d < 1000) return 'just now';
  return fmtDuration(Math.round(d / 1000) * 1000).replace(/ \d+ s$/, '') + ' ago';
}

/** An ISO UTC time, as the API takes it: 2026-12-03T16:30:51.544Z */
export function isoUtc(ms) {
  return new Date(ms).toISOString();
}
