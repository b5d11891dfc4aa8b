// Keyboard, for every page: "/" focuses the page's search box ([data-search-box]); the page registers what
// arrows, Enter, Esc and left/right do (the trace page: move the span selection, open and close the detail).

let handlers = {};

/** @param h { move(delta), enter(), escape(), collapse(bool) }, each optional */
export function setKeys(h) {
  handlers = h || {};
}

function typing(t) {
  return t instanceof Element && t.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]') != null;
}

document.addEventListener('keydown', (e) => {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
  if (document.querySelector('dialog[open]')) return;
  const t = e.target;
  if (e.key === '/' && !typing(t)) {
    const box = document.querySelector('[data-search-box]');
    if (box) {
      e.preventDefault();
      box.focus();
      if (box.select) box.select();
    }
    return;
  }
  if (e.key === 'Escape') {
    if (typing(t)) {
      t.blur();
      return;
    }
    if (handlers.escape) handlers.escape();
    return;
  }
  if (typing(t)) return;
  if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && handlers.move) {
    e.preventDefault();
    handlers.move(e.key === 'ArrowDown' ? 1 : -1);
  } else if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && handlers.collapse) {
    e.preventDefault();
    handlers.collapse(e.key === 'ArrowLeft');
  } else if (e.key === 'Enter' && handlers.enter && !(t instanceof Element && t.closest('button, a, summary'))) {
    e.preventDefault();
    handlers.enter();
  }
});
