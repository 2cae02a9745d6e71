// Geometry in the browser with leaflet-geoman (npm): move points, edit vertices, draw new
// features, snapping to the features on the map. Before anything is sent the result is
// checked: a valid shape (no self-intersection), inside Cần Thơ, and inside the officer's
// district for a district officer (against the district polygons the map has loaded; the
// API checks again exactly).
import { esc, lbl } from './i18n.js';
import { tt, fieldHtml, wirePickers, readFields, showErrors, fieldOf, errText, dialog } from './edit_fields.js';

const PM = { snappable: true, snapDistance: 15, allowSelfIntersection: false };

function inRing(pt, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if ((yi > pt[1]) !== (yj > pt[1]) && pt[0] < (xj - xi) * (pt[1] - yi) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
function inPolygons(pt, geom) {
  const polys = geom.type === 'Polygon' ? [geom.coordinates] : geom.type === 'MultiPolygon' ? geom.coordinates : [];
  return polys.some(rings => inRing(pt, rings[0]) && !rings.slice(1).some(h => inRing(pt, h)));
}
function vertices(geom) {
  const out = [];
  const walk = c => (typeof c[0] === 'number' ? out.push(c) : c.forEach(walk));
  walk(geom.coordinates);
  return out;
}

// a problem with a geometry, or null
export function geometryProblem(ed, app, layer, geom) {
  if (layer?.pm?.hasSelfIntersection?.()) return tt('invalid_geom');
  const districts = (app.data[app.cfg.district_layer] || []).filter(f => f.geometry);
  if (!districts.length) return null;  // nothing to check against here: the API checks
  const pts = vertices(geom);
  if (!pts.every(p => districts.some(d => inPolygons(p, d.geometry)))) return tt('outside_city');
  if (ed.session.role === 'district_officer') {
    const mine = districts.find(d => String(d.id) === String(ed.session.district));
    if (mine && !pts.every(p => inPolygons(p, mine.geometry))) return tt('outside_district');
  }
  return null;
}

function bar(app, html) {
  document.getElementById('geom-bar')?.remove();
  const div = document.createElement('div');
  div.id = 'geom-bar';
  div.className = 'geom-bar';
  div.innerHTML = html;
  app.map.getContainer().append(div);
  L.DomEvent.disableClickPropagation(div);
  return div;
}

function toLayer(geom) {
  return L.geoJSON(geom, { pointToLayer: (f, ll) => L.marker(ll), pmIgnore: false }).getLayers()[0];
}

// move a point / edit vertices of the feature, then PATCH its geometry with If-Match
export async function editGeometry(ed, layerId, id) {
  const { send } = await import('./edit.js');
  const app = window.mapsApp;
  app.map.closePopup();
  const r = await fetch(`/collections/${layerId}/items/${encodeURIComponent(id)}`);
  const etag = r.headers.get('ETag');
  const feature = await r.json();
  const shape = feature.geometry ? toLayer(feature.geometry) : null;
  if (!shape) return;
  shape.addTo(app.map);
  shape.pm.enable({ ...PM, draggable: true });
  ed.editing = shape;  // the shape being edited (scripts and tests reach geoman through it)
  const b = bar(app, `<b>${tt('geometry')}: ${esc(feature.properties.name || id)}</b>
    <button type="button" id="geom-save">${tt('save')}</button> <button type="button" id="geom-cancel">${tt('cancel')}</button>
    <span class="form-error" role="alert"></span>`);
  const end = () => { shape.pm.disable(); shape.remove(); b.remove(); ed.editing = null; };
  b.querySelector('#geom-cancel').addEventListener('click', end);
  b.querySelector('#geom-save').addEventListener('click', async () => {
    const geom = shape.toGeoJSON().geometry;
    const problem = geometryProblem(ed, app, shape, geom);
    if (problem) { b.querySelector('.form-error').textContent = problem; return; }
    const res = await send('PATCH', `/collections/${layerId}/items/${encodeURIComponent(id)}`, { geometry: geom }, etag);
    if (!res.ok) { b.querySelector('.form-error').textContent = errText(res.data) || res.status; return; }
    end();
    app.reload?.();
  });
}

// "Draw a new feature": a layer, then geoman's draw mode of its geometry, then the form
export function drawControl(ed, app) {
  const layers = app.cfg.layers.filter(l => l.feature_fields !== false);
  const c = L.control({ position: 'topleft' });
  c.onAdd = () => {
    const div = L.DomUtil.create('div', 'leaflet-bar draw-box');
    div.innerHTML = `<label for="draw-layer">${tt('draw')}</label>
      <select id="draw-layer"><option value=""></option>${layers.map(l => `<option value="${l.id}">${esc(lbl(l, 'title'))}</option>`).join('')}</select>`;
    L.DomEvent.disableClickPropagation(div);
    div.querySelector('select').addEventListener('change', ev => startDrawing(ed, app, ev.target.value));
    return div;
  };
  c.addTo(app.map);
  app.map.pm.setGlobalOptions(PM);
}

const MODES = { Point: 'Marker', MultiPoint: 'Marker', LineString: 'Line', MultiLineString: 'Line',
  Polygon: 'Polygon', MultiPolygon: 'Polygon' };

async function startDrawing(ed, app, layerId) {
  if (!layerId) return;
  const { formOf } = await import('./edit.js');
  const form = await formOf(layerId);
  if (!form || form.geometry_from_admin) return;
  const mode = MODES[form.geometry_type] || 'Marker';
  app.map.pm.enableDraw(mode, PM);
  app.map.once('pm:create', e => {
    app.map.pm.disableDraw();
    document.getElementById('draw-layer').value = '';
    let geom = e.layer.toGeoJSON().geometry;
    if (form.geometry_type.startsWith('Multi') && !geom.type.startsWith('Multi')) {
      geom = { type: `Multi${geom.type}`, coordinates: [geom.coordinates] };
    }
    const problem = geometryProblem(ed, app, e.layer, geom);
    e.layer.remove();
    newFeatureForm(ed, form, geom, problem);
  });
}

async function newFeatureForm(ed, form, geom, problem) {
  const { send } = await import('./edit.js');
  const fields = form.fields.filter(f => f.name !== 'id');
  const defaults = { districts: ed.session.district ? [ed.session.district] : [] };
  const d = dialog(`<form id="new-form"><h2>${tt('new_feature')}: ${esc(lbl(form, 'title'))}</h2>
    ${problem ? `<p class="form-error geom-problem" role="alert">${esc(problem)}</p>` : ''}
    <div class="frow" data-field="id"><label for="ef-id">${tt('id')} *</label><input id="ef-id" name="id" required pattern="[a-z0-9][a-z0-9._\\-]*"><span class="field-error" data-for="id"></span></div>
    ${fields.map(f => fieldHtml(f, defaults[f.name])).join('')}
    <p class="form-error" role="alert"></p>
    <p><button type="submit"${problem ? ' disabled' : ''}>${tt('save')}</button> <button type="button" data-close>${tt('cancel')}</button></p></form>`);
  wirePickers(d);
  d.querySelector('form').addEventListener('submit', async ev => {
    ev.preventDefault();
    const { errors, values, ok } = readFields(fields, d);
    if (!ok) return showErrors(d, errors);
    const props = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null));
    const id = d.querySelector('#ef-id').value.trim();
    const r = await send('POST', `/collections/${form.layer}/items`, { type: 'Feature', id, geometry: geom, properties: props });
    if (r.ok) { d.close(); window.mapsApp.reload?.(); return; }
    const name = fieldOf(r.data || {}, ['id', ...fields.map(f => f.name), 'geometry']);
    showErrors(d, name ? { [name]: errText(r.data) } : {}, name ? '' : errText(r.data));
  });
}
