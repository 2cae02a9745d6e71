// Spatial questions (/maps/spatial, maps/spatial.py: CQL2 through the feature query):
// features within a drawn polygon, within a distance of the feature last opened, or in a
// ward. The answer restricts what the map and the attribute table show until cleared.
import { t, esc, state } from './i18n.js';

const $ = id => document.getElementById(id);

export function setupSpatial(app) {
  const map = app.map;
  const st = { drawing: null, shape: null, selected: null };
  app.spatial = null;
  const wards = $('sp-ward');
  wards.innerHTML = `<option value="">—</option>` + (app.cfg.wards || []).map(w =>
    `<option value="${esc(w.code)}">${esc(w.full_name)} (${esc(app.cfg.districts.find(d => d.code === w.district_code)?.name || w.district_code)})</option>`).join('');

  function status(text) { $('sp-status').textContent = text; }

  // `keep`: the feature the question is about stays on the map (not counted in the answer)
  async function ask(params, label, shape, keep = null) {
    status(t('loading'));
    try {
      const r = await fetch(`/maps/spatial?${new URLSearchParams(params)}`);
      const body = await r.json();
      if (!r.ok) throw new Error((state.lang === 'en' || body.description_vi === body.title_vi ? body.description : body.description_vi) || r.status);
      const sets = Object.fromEntries(Object.entries(body.layers).map(([k, v]) => [k, new Set(v)]));
      app.spatial = { label, has: (layer, id) => !sets[layer] || sets[layer].has(String(id)) || `${layer}/${id}` === keep };
      if (st.shape) st.shape.remove();
      st.shape = shape ? shape.addTo(map) : null;
      $('sp-clear').hidden = false;
      app.redraw();
      status(`${label}: ${t('sp_found', body.numberMatched)}`);
      document.body.dataset.spatial = String(body.numberMatched);
    } catch (err) {
      status(`${t('error')}: ${err.message}`);
    }
  }

  function clear() {
    app.spatial = null;
    if (st.shape) { st.shape.remove(); st.shape = null; }
    $('sp-clear').hidden = true;
    status('');
    delete document.body.dataset.spatial;
    app.redraw();
  }

  // drawing: each click a corner; the button (or a double click) finishes, Esc cancels
  function startDrawing() {
    st.drawing = { pts: [], line: L.polyline([], { color: '#d81b60', dashArray: '4 4', interactive: false }).addTo(map) };
    map.doubleClickZoom.disable();
    map.getContainer().classList.add('drawing');
    $('sp-draw').textContent = t('sp_finish', 0);
    status(t('sp_draw_help'));
  }
  function stopDrawing() {
    const d = st.drawing;
    st.drawing = null;
    d.line.remove();
    map.doubleClickZoom.enable();
    map.getContainer().classList.remove('drawing');
    $('sp-draw').textContent = t('sp_draw');
    return d.pts;
  }
  function finishDrawing() {
    const pts = stopDrawing();
    if (pts.length < 3) { status(t('sp_too_few')); return; }
    const polygon = pts.map(p => `${p.lng.toFixed(6)} ${p.lat.toFixed(6)}`).join(',');
    ask({ polygon }, t('sp_polygon'), L.polygon(pts, { color: '#d81b60', weight: 2, fillOpacity: 0.05, interactive: false }));
  }
  map.on('click', e => {
    if (!st.drawing) return;
    map.closePopup();
    st.drawing.pts.push(e.latlng);
    st.drawing.line.setLatLngs(st.drawing.pts);
    $('sp-draw').textContent = t('sp_finish', st.drawing.pts.length);
  });
  map.on('dblclick', () => { if (st.drawing) finishDrawing(); });
  map.on('popupopen', e => {
    if (st.drawing) { map.closePopup(); return; }
    const el = e.popup.getElement()?.querySelector('.popup[data-layer][data-id]');
    if (!el) return;
    st.selected = { key: `${el.dataset.layer}/${el.dataset.id}`, name: el.querySelector('h3')?.textContent || el.dataset.id };
    $('sp-near-name').textContent = st.selected.name;
    $('sp-near').disabled = false;
  });
  document.addEventListener('keydown', e => { if (e.key === 'Escape' && st.drawing) { stopDrawing(); status(''); } });
  $('sp-draw').addEventListener('click', () => (st.drawing ? finishDrawing() : startDrawing()));
  $('sp-near').addEventListener('click', () => {
    if (!st.selected) return;
    const distance = Number($('sp-distance').value || 500);
    ask({ near: st.selected.key, distance: String(distance) }, t('sp_near_label', distance, st.selected.name),
      null, st.selected.key);
  });
  wards.addEventListener('change', () => {
    if (!wards.value) { clear(); return; }
    ask({ ward: wards.value }, wards.selectedOptions[0].textContent);
  });
  $('sp-clear').addEventListener('click', () => { wards.value = ''; clear(); });
  app.ask = ask;
}
