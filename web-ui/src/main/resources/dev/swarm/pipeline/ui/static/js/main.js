// The one page of the UI: reads location and renders the search, trace or ticket page into <main>.

import { fill, message } from './dom.js';
import './keys.js';
import { searchPage } from './search.js';
import { ticketPage } from './ticket.js';
import { tracePage } from './trace.js';

function segment(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

function route() {
  const main = document.getElementById('main');
  const path = location.pathname;
  delete document.body.dataset.ready;
  let m;
  if (path === '/ui/' || path === '/ui') return searchPage(main);
  if ((m = path.match(/^\/ui\/trace\/([^/]+)\/?$/)) && segment(m[1]) != null) return tracePage(main, segment(m[1]));
  if ((m = path.match(/^\/ui\/ticket\/([^/]+)\/?$/)) && segment(m[1]) != null) return ticketPage(main, segment(m[1]));
  fill(main, message('error', 'No such page: ' + path));
  return null;
}

window.addEventListener('popstate', route);
route();
