// Two dates compared: the changed features on a map (coloured by their first change kind,
// as in the legend), over the district outlines; a click on a table row shows its feature.
(function () {
  const el = document.getElementById('compare-map');
  if (!el || !window.L || !window.COMPARE) return;
  const map = L.map(el, { scrollWheelZoom: false });
  L.control.scale({ imperial: false }).addTo(map);
  const outlines = L.featureGroup().addTo(map);
  Promise.all(window.COMPARE.outlines.map(u => fetch(u).then(r => r.json()).then(g =>
    L.geoJSON(g, { style: { color: '#455a64', weight: 1, fill: false }, interactive: false }).addTo(outlines))))
    .catch(() => {}).finally(fit);
  const byKey = {};
  const changed = L.geoJSON(window.COMPARE.geo, {
    style: f => ({ color: f.properties.color, weight: 4, fillColor: f.properties.color, fillOpacity: 0.4 }),
    pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 7 }),
    onEachFeature: (f, l) => {
      byKey[`${f.properties.layer}/${f.properties.id}`] = l;
      l.bindPopup(() => {  // the name as text, never as markup
        const p = document.createElement('div');
        p.className = 'popup';
        p.textContent = f.properties.name;
        return p;
      });
    },
  }).addTo(map);
  function fit() {
    const b = changed.getLayers().length ? changed.getBounds() : outlines.getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [10, 10], maxZoom: 14 });
    else map.setView([10.03, 105.75], 10);
    el.dataset.features = String(changed.getLayers().length);
  }
  fit();
  document.querySelectorAll('#changes tr[data-id]').forEach(tr => tr.addEventListener('click', ev => {
    if (ev.target.closest('a')) return;
    const l = byKey[`${tr.dataset.layer}/${tr.dataset.id}`];
    if (l) { map.fitBounds(l.getBounds ? l.getBounds() : L.latLngBounds([l.getLatLng()]), { maxZoom: 15 }); l.openPopup(); }
  }));
})();
