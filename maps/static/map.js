// The web map: Leaflet, every registry layer in registry order, styled from /maps/config.json.
import { state, t, lbl, esc, fmtDate, applyStatic } from './i18n.js';
import { featureStyle } from './style.js';
import { readFilters, matches, filterId, chooserMetrics } from './filters.js';
import { popupHtml } from './popup.js';
import { legendHtml, summariseFeatures } from './legend.js';
import { loadPlugin, tileUrl, TiledLayer } from './tiles.js';
import { setupSearch } from './search.js';
import { setupLayout } from './layout.js';
import { addContext } from './context.js';
import { setupTable } from './table.js';
import { setupSpatial } from './spatial.js';
import { setupPrint } from './print.js';

const opts = window.MAP_OPTIONS || {};
const $ = id => document.getElementById(id);
const app = { data: {}, groups: {}, index: {}, tiled: {}, generation: 0, settling: 0, ready: 0 };
window.mapsApp = app;

function option(value, text) {
  const o = document.createElement('option');
  o.value = value; o.textContent = text; return o;
}

// One select per filter field of the registry (cfg.filters), before the progress range;
// the options are the choices of every layer declaring the field.
function filterSelects(cfg) {
  const anchor = $('f-progress-label');
  for (const f of cfg.filters) {
    if ($(filterId(f.name))) continue;
    const label = document.createElement('label');
    label.htmlFor = filterId(f.name); label.dataset.filter = f.name;
    const select = document.createElement('select');
    select.id = filterId(f.name); select.dataset.filter = f.name;
    select.append(option('', t('all')));
    select.addEventListener('change', () => draw());
    anchor.before(label, select);
  }
}

function fillSelects(cfg) {
  const d = $('f-district');
  d.length = 1;
  cfg.districts.forEach(x => d.append(option(x.code, `${x.full_name} (${x.code})`)));
  if (opts.district) d.value = opts.district;
  for (const f of cfg.filters) {
    const s = $(filterId(f.name));
    const keep = s.value;
    document.querySelector(`label[data-filter="${f.name}"]`).textContent = lbl(f);
    s.length = 1;
    s.options[0].textContent = t('all');
    f.choices.forEach(c => s.append(option(c.value, lbl(c))));
    s.value = keep;
  }
}

const map = L.map('map', { zoomControl: true, preferCanvas: false, minZoom: 8 });
app.map = map;
// The page embeds the config (maps/web.py); /maps/config.json serves the same.
const cfg = window.MAP_CONFIG || await fetch('/maps/config.json').then(r => r.json());
app.cfg = cfg;
// the city's extent, from its outline (gis/extent.py)
const cityBounds = cfg.extent || [[-60, -180], [75, 180]];
if (opts.bounds) map.fitBounds(opts.bounds, { padding: [10, 10] }); else map.fitBounds(cityBounds);
const blank = L.layerGroup();
blank.addTo(map);
L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);
// Optional online basemap: off by default, requested only when the user turns it on.
const osm = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png',
  { attribution: '© OpenStreetMap', maxZoom: 19 });

filterSelects(cfg);
app.flt = readFilters(cfg);
function asOf() { return $('f-asof').value || opts.as_of || null; }
app.asOf = asOf;
function district() { return opts.district || $('f-district').value || null; }
if (opts.as_of) $('f-asof').value = opts.as_of;

// Large layers (over cfg.tile_threshold features) come as vector tiles, the rest as GeoJSON.
const tiledLayers = cfg.layers.filter(l => l.tiled);
if (tiledLayers.length) await loadPlugin();
const tileCtx = { cfg, filters: () => app.flt, district };
for (const layer of cfg.layers) {
  map.createPane(`pane-${layer.id}`).style.zIndex = String(400 + layer.order);
  app.groups[layer.id] = L.featureGroup().addTo(map);
  if (layer.tiled) {
    app.tiled[layer.id] = new TiledLayer(layer, tileUrl(layer, asOf()), tileCtx,
      L.latLngBounds(cityBounds).pad(0.05));
    app.tiled[layer.id].grid.addTo(app.groups[layer.id]);
  }
}
// Popups fit in the map (scrolling inside when long), so one opened is fully visible.
function popupOptions() {
  const size = map.getSize();
  return { maxWidth: Math.min(360, size.x - 60), minWidth: Math.min(260, size.x - 80),
    maxHeight: Math.max(160, size.y - 110), autoPanPadding: [12, 12] };
}
app.popupOptions = popupOptions;
function overlayName(layer) { return `<span data-layer="${layer.id}">${esc(lbl(layer, 'title'))}</span>`; }
let control;
function buildControl() {
  if (control) control.remove();
  const named = {};
  cfg.layers.forEach(l => { named[overlayName(l)] = app.groups[l.id]; });
  control = L.control.layers({ [state.lang === 'en' ? 'No basemap' : 'Không nền']: blank,
    'OpenStreetMap (online)': osm }, named, { collapsed: map.getSize().x < 800 }).addTo(map);  // narrow maps: a button
}

// Busy until the GeoJSON is drawn and the tiles in view are loaded; then
// `document.body.dataset.ready` counts up and `window.mapReady` is true.
function busy() {
  app.settling += 1;
  document.body.dataset.loading = '1';
  window.mapReady = false;
  return app.settling;
}

async function settle(token) {
  await Promise.all(Object.values(app.tiled).map(tl => tl.settled()));
  if (token !== app.settling) return;   // a newer change is under way
  legend();
  delete document.body.dataset.loading;
  app.ready += 1;
  document.body.dataset.ready = String(app.ready);
  window.mapReady = true;
  if (!window.mapReadyAt) window.mapReadyAt = performance.now();
}

// The date field shows the browser's own date format; the hint under it gives the chosen
// date in the page's language (dd/mm/yyyy in Vietnamese), so it reads the same for everyone.
function dateHint() {
  $('f-asof-text').textContent = asOf() ? `${t('as_of_date')} ${fmtDate(asOf())}` : t('latest');
}

async function load({ first = false } = {}) {
  const gen = ++app.generation;
  dateHint();
  const token = busy();
  $('count').textContent = t('loading');
  const params = new URLSearchParams();
  if (asOf()) params.set('as_of', asOf());
  if (district()) params.set('district', district());
  const plain = cfg.layers.filter(l => !l.tiled);
  try {
    const results = await Promise.all(plain.map(l =>
      fetch(params.size ? `${l.data_url}?${params}` : l.data_url).then(r => { if (!r.ok) throw new Error(r.status); return r.json(); })));
    if (gen !== app.generation) return;
    plain.forEach((l, i) => { app.data[l.id] = results[i].features; });
    draw({ tiles: !first });
  } catch (e) {
    $('count').textContent = `${t('error')}: ${e.message}`;
  }
  if (gen === app.generation) await settle(token);
}

function draw({ tiles = true } = {}) {
  const flt = app.flt = readFilters(cfg);
  const token = tiles ? busy() : null;
  let shown = 0, total = 0;
  app.index = {};
  app.shown = {};
  for (const layer of cfg.layers) {
    if (layer.tiled) {
      if (tiles) app.tiled[layer.id].redraw(tileUrl(layer, asOf()));
      continue;
    }
    const group = app.groups[layer.id];
    group.clearLayers();
    const feats = (app.data[layer.id] || []).filter(f => matches(layer, f.properties, flt, cfg.metrics) &&
      (!app.spatial || !layer.feature_fields || app.spatial.has(layer.id, f.id)));
    app.shown[layer.id] = feats;
    if (layer.feature_fields) { total += (app.data[layer.id] || []).length; shown += feats.length; }
    const gj = L.geoJSON({ type: 'FeatureCollection', features: feats.filter(f => f.geometry) }, {
      pane: `pane-${layer.id}`,
      style: f => featureStyle(layer, f.properties, cfg.metrics),
      pointToLayer: (f, latlng) => L.circleMarker(latlng, featureStyle(layer, f.properties, cfg.metrics)),
      onEachFeature: (f, lyr) => {
        lyr.bindPopup(() => popupHtml(cfg, layer, f, asOf()), popupOptions());
        app.index[`${layer.id}/${f.id}`] = lyr;
        if (layer.style.label_field) {
          // above the label point: features located only by district are drawn on it
          lyr.bindTooltip(esc(f.properties[layer.style.label_field]),
            { permanent: true, direction: 'center', offset: [0, -15], className: 'district-label', opacity: 1 });
        }
      },
    });
    gj.addTo(group);
  }
  const tiledTotal = tiledLayers.reduce((n, l) => n + l.feature_count, 0);
  $('count').textContent = (shown ? t('count', shown, total) : t('none')) +
    (tiledTotal ? ` · ${t('tiled_count', tiledTotal)}` : '');
  $('count').classList.toggle('empty', !shown && !tiledTotal);
  legend();
  app.renderTable?.();
  if (token !== null) settle(token);
}

function legend() {
  const blocks = cfg.layers.filter(l => map.hasLayer(app.groups[l.id]))
    .map(l => legendHtml(cfg, l, l.tiled ? app.tiled[l.id].summary
      : summariseFeatures(cfg, l, app.shown?.[l.id] || [])));
  $('legend').innerHTML = `<h3>${t('legend')}</h3>${blocks.join('')}`;
}

// A click on a tiled feature drawn above whatever GeoJSON feature is under the pointer opens
// a popup filled from the API item (progress as of the chosen date). Tiles take no pointer
// events, so the click is looked at on its way down (capture phase), before Leaflet's own
// handlers would open the popup of the GeoJSON feature beneath.
function tiledClick(ev) {
  if (!tiledLayers.length || map.dragging?.moved() || ev.target.closest('.leaflet-control, .leaflet-popup')) return;
  const path = ev.target.closest('path.leaflet-interactive');
  const pane = path && path.closest('.leaflet-pane');
  const below = pane ? (cfg.layers.find(l => map.getPane(`pane-${l.id}`) === pane)?.order ?? -1) : -1;
  const latlng = map.mouseEventToLatLng(ev);
  const candidates = tiledLayers.filter(l => l.order > below && map.hasLayer(app.groups[l.id]))
    .sort((a, b) => b.order - a.order);
  for (const layer of candidates) {
    const props = app.tiled[layer.id].hit(map, latlng);
    if (props) {
      ev.stopPropagation();
      openItemPopup(layer, props.id, latlng, props.name);
      return;
    }
  }
}

async function openItemPopup(layer, id, latlng, name) {
  const popup = L.popup(popupOptions()).setLatLng(latlng)
    .setContent(`<div class="popup loading" data-layer="${layer.id}"><h3>${esc(name || id)}</h3>${t('loading')}</div>`)
    .openOn(map);
  const date = asOf();
  const url = layer.item_url.replace('{id}', encodeURIComponent(id)) +
    (date ? `?as_of=${encodeURIComponent(date)}` : '');
  try {
    const r = await fetch(url, { headers: { Accept: 'application/geo+json' } });
    if (!r.ok) throw new Error(r.status);
    popup.setContent(popupHtml(cfg, layer, await r.json(), date));
  } catch (err) {
    popup.setContent(`<div class="popup error">${esc(name || id)}: ${t('error')} (${esc(err.message)})</div>`);
  }
  return popup;
}
app.openItemPopup = openItemPopup;
app.reload = () => load();  // after an edit (edit.js)
map.getContainer().addEventListener('click', tiledClick, true);

export function focusFeature(key) {
  const lyr = app.index[key];
  if (!lyr) return false;
  if (lyr.getBounds) map.fitBounds(lyr.getBounds(), { maxZoom: 14, padding: [30, 30] });
  else map.setView(lyr.getLatLng(), Math.max(map.getZoom(), 13));
  lyr.openPopup();  // autoPan: the popup is moved fully into view
  return true;
}
app.focusFeature = focusFeature;


document.querySelectorAll('a.feature-link').forEach(a => {
  const b = document.createElement('button');
  b.type = 'button'; b.className = 'focus'; b.textContent = '◉'; b.title = 'Xem trên bản đồ / show on map';
  b.addEventListener('click', () => focusFeature(`${a.dataset.layer}/${a.dataset.id}`));
  a.before(b);
});
['f-pmin', 'f-pmax', 'f-unknown'].forEach(id => $(id).addEventListener('change', draw));
$('f-metric').addEventListener('change', () => { metricHelp(); draw(); });
$('f-district').addEventListener('change', () => {
  load().then(() => {
    const d = district();
    const g = d && cfg.district_layer && app.index[`${cfg.district_layer}/${d}`];
    if (g) map.fitBounds(g.getBounds()); else if (!d) map.fitBounds(cityBounds);
  });
});
$('f-asof').addEventListener('change', () => load());
$('lang').addEventListener('click', () => {
  state.lang = state.lang === 'vi' ? 'en' : 'vi';
  localStorage.setItem('maps.lang', state.lang);
  applyStatic(); fillSelects(cfg); fillMetrics(); buildControl(); draw({ tiles: false }); dateHint();
  map.closePopup();
});
map.on('overlayadd overlayremove', () => { fillMetrics(); draw({ tiles: false }); });

// The progress range's metric: the percent metrics of the layers on the map, each with
// what it measures (Metric.note_vi/en), so that similar ones are told apart.
function fillMetrics() {
  const s = $('f-metric');
  const keep = s.value;
  const visible = cfg.layers.filter(l => map.hasLayer(app.groups[l.id]));
  s.length = 0;
  s.append(option('', t('metric_shading')));
  for (const m of chooserMetrics(cfg, visible)) {
    const o = option(m, lbl(cfg.metrics[m]));
    o.title = lbl(cfg.metrics[m], 'note');
    s.append(o);
  }
  s.value = [...s.options].some(o => o.value === keep) ? keep : '';
  metricHelp();
}
function metricHelp() {
  const m = $('f-metric').value;
  const help = $('f-metric-help');
  help.innerHTML = m ? esc(lbl(cfg.metrics[m], 'note')) : esc(t('metric_shading_help'));
}

applyStatic();
fillSelects(cfg);
fillMetrics();
buildControl();
setupSearch(app);
setupLayout(app);
addContext(app);
if ($('attr')) setupTable(app);
app.redraw = () => draw({ tiles: false });
setupSpatial(app);
setupPrint(app, district);
await load({ first: true });
