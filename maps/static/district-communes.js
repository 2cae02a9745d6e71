// The district view's commune map: ward/commune polygons (schematic, admin_commune.geom)
// coloured by their New Rural level (window.COMMUNES, built by the page from the same rows
// as the table). A commune without a record is "unknown", never "not achieved".
(function () {
  const el = document.getElementById('commune-map');
  if (!el || !window.L || !window.COMMUNES || !window.COMMUNES.features.length) return;
  const lang = () => document.documentElement.lang === 'en' ? 'en' : 'vi';
  const map = L.map(el, { scrollWheelZoom: false, attributionControl: true });
  map.attributionControl.addAttribution('vietnam63 (Marc Choisy), sơ đồ / schematic');
  const layer = L.geoJSON(window.COMMUNES, {
    style: f => ({ color: '#555', weight: 1, fillColor: f.properties.color || '#bdbdbd', fillOpacity: 0.7,
                   dashArray: f.properties.missing ? '4 3' : null }),
    onEachFeature: (f, l) => l.bindTooltip(() => {  // names as text, never as markup
      const tip = document.createElement('span');
      tip.textContent = `${f.properties.name}: ${lang() === 'en' ? f.properties.label_en : f.properties.label_vi}`;
      return tip;
    }),
  }).addTo(map);
  map.fitBounds(layer.getBounds(), { padding: [8, 8] });
  L.control.scale({ imperial: false }).addTo(map);
  el.dataset.communes = String(window.COMMUNES.features.length);
})();
