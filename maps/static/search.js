// Search by name (/maps/search, maps/search.py): features, districts and wards, accents and
// abbreviations (QL, ĐT, KCN, CCN) optional. The map is never emptied by a search: the
// results are a list; a result opens on the map, or in the side panel when it has no location.
import { t, lbl, esc } from './i18n.js';
import { popupHtml } from './popup.js';

const $ = id => document.getElementById(id);
let seq = 0, timer = null;

function kindLabel(cfg, r) {
  if (r.kind === 'ward') return t('ward');
  if (r.kind === 'district') return t('district');
  return lbl(cfg.layers.find(l => l.id === r.layer), 'title');
}

function districtNames(cfg, codes) {
  return (codes || []).map(c => cfg.districts.find(d => d.code === c)?.full_name || c).join(', ');
}

function resultItem(cfg, r, i) {
  const where = r.kind === 'district' ? '' : districtNames(cfg, r.districts);
  const name = lbl({ label_vi: r.name, label_en: r.name_en || r.name });
  return `<li data-i="${i}" data-kind="${r.kind}"><a href="#" data-i="${i}">${esc(name)}</a>
    <small class="rkind">${esc(kindLabel(cfg, r))}${where ? ' · ' + esc(where) : ''}</small>` +
    (r.bbox ? '' : ` <small class="unlocated">(${t('no_location')})</small>`) + '</li>';
}

// The details of a feature without location, in the side panel (the popup's content).
async function showDetails(app, layer, id) {
  const box = $('details');
  box.hidden = false;
  box.innerHTML = `<p>${t('loading')}</p>`;
  const asOf = app.asOf();
  const url = layer.item_url.replace('{id}', encodeURIComponent(id)) +
    (asOf ? `?as_of=${encodeURIComponent(asOf)}` : '');
  try {
    const r = await fetch(url, { headers: { Accept: 'application/geo+json' } });
    if (!r.ok) throw new Error(r.status);
    box.innerHTML = `<button type="button" class="close" aria-label="${t('close')}">×</button>` +
      `<p class="note">${t('no_location')}</p>` + popupHtml(app.cfg, layer, await r.json(), asOf);
  } catch (err) {
    box.innerHTML = `<p class="error">${t('error')} (${esc(err.message)})</p>`;
  }
  box.querySelector('.close')?.addEventListener('click', () => { box.hidden = true; });
  box.scrollIntoView({ block: 'nearest' });
}

function boundsOf(r) {
  const [x0, y0, x1, y1] = r.bbox;
  return L.latLngBounds([[y0, x0], [y1, x1]]);
}

// Opens one result: its popup on the map (fully in view), or its details in the panel.
export async function openResult(app, r) {
  const map = app.map;
  app.closeDrawer?.();
  if (app.highlight) { app.highlight.remove(); app.highlight = null; }
  const layer = r.layer && app.cfg.layers.find(l => l.id === r.layer);
  if (!r.bbox) {
    if (layer) await showDetails(app, layer, r.id);
    return;
  }
  const bounds = boundsOf(r);
  if (r.kind === 'ward') {
    app.highlight = L.rectangle(bounds, { color: '#d81b60', weight: 2, fill: false, dashArray: '4 4',
      interactive: false, className: 'search-highlight' }).addTo(map);
    map.fitBounds(bounds, { maxZoom: 14, padding: [30, 30] });
    L.popup(app.popupOptions()).setLatLng(bounds.getCenter())
      .setContent(`<div class="popup ward"><h3>${esc(r.name)}</h3><div class="ptype">${t('ward')} · ` +
        `${esc(districtNames(app.cfg, r.districts))}</div></div>`).openOn(map);
    return;
  }
  if (app.focusFeature(`${r.layer}/${r.id}`)) return;
  map.fitBounds(bounds, { maxZoom: 14, padding: [30, 30] });
  if (layer) await app.openItemPopup(layer, r.id, bounds.getCenter(), r.name);
}

async function run(app, text) {
  const ul = $('search-results'), status = $('search-status');
  const mine = ++seq;
  if (!text.trim()) { ul.innerHTML = ''; status.textContent = ''; app.searchResults = []; return; }
  status.textContent = t('loading');
  try {
    const r = await fetch(`/maps/search?${new URLSearchParams({ q: text })}`);
    if (!r.ok) throw new Error(r.status);
    const body = await r.json();
    if (mine !== seq) return;
    app.searchResults = body.results;
    ul.innerHTML = body.results.map((x, i) => resultItem(app.cfg, x, i)).join('');
    status.textContent = body.results.length ? t('found', body.numberMatched) : t('not_found', text.trim());
    status.classList.toggle('empty', !body.results.length);
  } catch (err) {
    if (mine === seq) status.textContent = `${t('error')}: ${err.message}`;
  }
  document.body.dataset.searched = String(mine);
}

export function setupSearch(app) {
  const input = $('f-search');
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => run(app, input.value), 250);
  });
  input.addEventListener('keydown', e => {
    if (e.key === 'Enter') { e.preventDefault(); clearTimeout(timer); run(app, input.value); }
  });
  $('search-results').addEventListener('click', e => {
    const a = e.target.closest('a[data-i]');
    if (!a) return;
    e.preventDefault();
    openResult(app, app.searchResults[Number(a.dataset.i)]);
  });
  app.search = text => { input.value = text; return run(app, text); };
}
