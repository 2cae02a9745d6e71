// Editing in the web map and the district view (#10): the signed-in user (/session), an
// "Edit" action in popups of the features they may change (or why not), attribute and
// progress-figure forms made from the registry (edit_fields.js, edit_figure.js), 412 conflicts shown side
// by side, delete with a reason, and geometry drawn or edited with leaflet-geoman
// (edit_geometry.js). Every write sends If-Match and the session's CSRF token.
import { state, lbl, esc } from './i18n.js';
import { tt, fieldHtml, wirePickers, readFields, showErrors, fieldOf, errText, vnNumber, toVnDate, dialog } from './edit_fields.js';
import { figureForm } from './edit_figure.js';
import { showOverview } from './edit_overview.js';
import { editGeometry, drawControl } from './edit_geometry.js';

const forms = {};
const ed = { session: null };
window.gisEdit = ed;

async function waitForMap() {
  while (!window.mapsApp?.map || !window.mapsApp?.cfg) await new Promise(r => setTimeout(r, 50));
  return window.mapsApp;
}

export async function formOf(layerId) {
  if (!(layerId in forms)) {
    const r = await fetch(`/collections/${layerId}/form`);
    forms[layerId] = r.ok ? await r.json() : null;
  }
  return forms[layerId];
}

export async function send(method, url, body, etag) {
  const headers = { 'X-CSRF-Token': ed.session.csrf, 'Content-Type': 'application/json' };
  if (etag) headers['If-Match'] = etag;
  const r = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try { data = await r.json(); } catch { /* 204 */ }
  return { status: r.status, ok: r.ok, data, etag: r.headers.get('ETag') };
}

export function done(msg) {
  document.getElementById('edit-dialog')?.close();
  window.mapsApp.map.closePopup();
  let s = document.getElementById('edit-status');
  if (!s) { s = document.createElement('div'); s.id = 'edit-status'; s.setAttribute('role', 'status'); document.body.append(s); }
  s.textContent = msg;
  if (window.mapsApp.reload) window.mapsApp.reload();
}

export async function fetchFeature(layerId, id) {
  const r = await fetch(`/collections/${layerId}/items/${encodeURIComponent(id)}`, { headers: { Accept: 'application/geo+json' } });
  return { feature: await r.json(), etag: r.headers.get('ETag') };
}

// --- the attribute form ---------------------------------------------------------------
const SKIP = new Set(['id']);
export async function attributeForm(layerId, id, { feature, etag, mine } = {}) {
  const form = await formOf(layerId);
  if (!feature) ({ feature, etag } = await fetchFeature(layerId, id));
  const p = feature.properties;
  const fields = form.fields.filter(f => !SKIP.has(f.name) && f.name !== form.geometry_from_admin);
  const d = dialog(`<form id="attr-form" data-layer="${layerId}" data-id="${esc(id)}"><h2>${tt('edit')}: ${esc(p.name || id)}</h2>
    ${fields.map(f => fieldHtml(f, mine && f.name in mine ? mine[f.name] : p[f.name])).join('')}
    <p class="form-error" role="alert"></p>
    <p><button type="submit">${tt('save')}</button> <button type="button" data-close>${tt('cancel')}</button></p></form>`);
  wirePickers(d);
  d.querySelector('form').addEventListener('submit', async ev => {
    ev.preventDefault();
    const { errors, values, ok } = readFields(fields, d);
    if (!ok) return showErrors(d, errors);
    const changed = {};
    for (const f of fields) {
      const v = values[f.name], before = p[f.name] ?? null;
      const same = JSON.stringify(v) === JSON.stringify(before) ||
        ((f.type === 'number' || f.type === 'integer') && v !== null && vnNumber(before) === String(v));
      if (!same) changed[f.name] = v;
    }
    await patch(layerId, id, changed, etag, d, fields);
  });
}

async function patch(layerId, id, changed, etag, d, fields) {
  const url = `/collections/${layerId}/items/${encodeURIComponent(id)}`;
  const r = await send('PATCH', url, { properties: changed }, etag);
  if (r.ok) return done(tt('saved'));
  if (r.status === 412) return conflict(layerId, id, changed);
  const name = fieldOf(r.data || {}, fields.map(f => f.name));
  showErrors(d, name ? { [name]: errText(r.data) } : {}, name ? '' : (errText(r.data) || r.status));
}

// 412: the other person's change beside yours; reload, or reapply yours on their version
async function conflict(layerId, id, mine) {
  const form = await formOf(layerId);
  const { feature, etag } = await fetchFeature(layerId, id);
  const rows = Object.entries(mine).map(([k, v]) => {
    const f = form.fields.find(x => x.name === k);
    return `<tr data-field="${k}"><th>${esc(lbl(f) || k)}</th><td class="theirs">${esc(feature.properties[k] ?? '—')}</td><td class="yours">${esc(v ?? '—')}</td></tr>`;
  }).join('');
  const d = dialog(`<div id="conflict"><h2>${tt('conflict')}</h2>
    <table><thead><tr><th></th><th>${tt('theirs')}</th><th>${tt('yours')}</th></tr></thead><tbody>${rows}</tbody></table>
    <p><button type="button" id="conflict-reload">${tt('reload')}</button>
    <button type="button" id="conflict-reapply">${tt('reapply')}</button>
    <button type="button" data-close>${tt('cancel')}</button></p><p class="form-error" role="alert"></p></div>`);
  d.querySelector('#conflict-reload').addEventListener('click', () => attributeForm(layerId, id, { feature, etag }));
  d.querySelector('#conflict-reapply').addEventListener('click', () => attributeForm(layerId, id, { feature, etag, mine }));
}

// --- delete with a reason ---------------------------------------------------------------
async function deleteForm(layerId, id) {
  const { feature, etag } = await fetchFeature(layerId, id);
  const d = dialog(`<form id="delete-form"><h2>${tt('delete')}: ${esc(feature.properties.name || id)}</h2>
    <div class="frow"><label for="df-reason">${tt('reason')} *</label><input id="df-reason" name="reason" required maxlength="500"></div>
    <p class="form-error" role="alert"></p><p><button type="submit">${tt('delete')}</button> <button type="button" data-close>${tt('cancel')}</button></p></form>`);
  d.querySelector('form').addEventListener('submit', async ev => {
    ev.preventDefault();
    const reason = d.querySelector('#df-reason').value.trim();
    const r = await send('DELETE', `/collections/${layerId}/items/${encodeURIComponent(id)}?reason=${encodeURIComponent(reason)}`, undefined, etag);
    if (r.ok) return done(tt('saved'));
    showErrors(d, {}, errText(r.data) || r.status);
  });
}

// --- popups ---------------------------------------------------------------------------
async function decorate(el) {
  const layerId = el.dataset.layer, id = el.dataset.id;
  if (!layerId || !id) return;
  const box = document.createElement('div');
  box.className = 'edit-actions';
  box.innerHTML = `<a class="history-link" href="/collections/${layerId}/items/${encodeURIComponent(id)}/history">${tt('history')}</a>`;
  el.append(box);
  if (!ed.session || !(await formOf(layerId))) return;
  const r = await fetch(`/collections/${layerId}/items/${encodeURIComponent(id)}/may-edit`);
  const may = await r.json();
  if (!may.may) {
    box.insertAdjacentHTML('beforeend', ` <span class="edit-refused">${esc(state.lang === 'en' ? may.reason : may.reason_vi)}</span>`);
    return;
  }
  const form = forms[layerId];
  const buttons = [['edit', () => attributeForm(layerId, id)]];
  if (form.metrics.length) buttons.push(['add_figure', () => figureForm(layerId, id)]);
  if (!form.geometry_from_admin) buttons.push(['geometry', () => editGeometry(ed, layerId, id)]);
  buttons.push(['delete', () => deleteForm(layerId, id)]);
  for (const [key, fn] of buttons) {
    const b = document.createElement('button');
    b.type = 'button'; b.className = `edit-${key}`; b.textContent = tt(key);
    b.addEventListener('click', fn);
    box.append(' ', b);
  }
}

function sessionControl(map) {
  const c = L.control({ position: 'topright' });
  c.onAdd = () => {
    const div = L.DomUtil.create('div', 'leaflet-bar session-box');
    const next = encodeURIComponent(location.pathname + location.search);
    div.innerHTML = ed.session
      ? `<span id="signed-in">${tt('signed_in')} ${esc(ed.session.user)}</span>
         <form method="post" action="/signout" class="inline"><input type="hidden" name="csrf_token" value="${esc(ed.session.csrf)}"><button id="signout">${tt('signout')}</button></form>`
      : `<a id="signin-link" href="/signin?next=${next}">${tt('signin')}</a>`;
    L.DomEvent.disableClickPropagation(div);
    return div;
  };
  c.addTo(map);
}

// leaflet-geoman (served from the npm package), for signed-in users only; the map and its
// layers were made before it arrived, so they are given their editing handlers here
function loadGeoman(map) {
  const css = document.createElement('link');
  css.rel = 'stylesheet'; css.href = '/maps/vendor/geoman/leaflet-geoman.css';
  document.head.append(css);
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = '/maps/vendor/geoman/leaflet-geoman.min.js';
    s.onload = () => { L.PM.reInitLayer(map); map.eachLayer(l => L.PM.reInitLayer(l)); resolve(); };
    s.onerror = reject;
    document.head.append(s);
  });
}

const app = await waitForMap();
const me = await fetch('/session').then(r => r.json());
ed.session = me.user ? me : null;
sessionControl(app.map);
if (ed.session) {
  await loadGeoman(app.map);
  drawControl(ed, app);
  await showOverview().catch(() => null);
}
// every popup that appears (GeoJSON features, tiles' popups filled later) gets the actions
const pane = app.map.getPane('popupPane');
const decorateAll = () => pane.querySelectorAll('.popup[data-layer][data-id]').forEach(el => {
  if (!el.dataset.editDecorated) { el.dataset.editDecorated = '1'; decorate(el); }
});
new MutationObserver(decorateAll).observe(pane, { childList: true, subtree: true });
decorateAll();
document.body.dataset.editReady = ed.session ? 'signed-in' : 'anonymous';
export { toVnDate };
