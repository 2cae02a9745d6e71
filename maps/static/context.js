// Context for orientation, offline (/maps/context.geojson, maps/context.py): sông Hậu and
// the ward outlines, labelled from zoom 12; drawn under every layer and never clickable.
import { esc } from './i18n.js';

const LABEL_ZOOM = 12;

export async function addContext(app) {
  const map = app.map;
  map.createPane('pane-context').style.zIndex = '350';
  map.getPane('pane-context').style.pointerEvents = 'none';
  let body;
  try {
    const r = await fetch('/maps/context.geojson');
    if (!r.ok) return;
    body = await r.json();
  } catch { return; }
  const style = f => f.properties.context === 'river'
    ? { color: '#64b5f6', weight: 5, opacity: 0.8, className: 'ctx-river' }
    : { color: '#90a4ae', weight: 0.8, opacity: 0.9, dashArray: '2 3', className: 'ctx-ward' };
  const layer = L.geoJSON(body, {
    pane: 'pane-context', interactive: false, style,
    // credits as in the boundaries' SOURCES.md
    attribution: 'Sông Hậu: Natural Earth · phường/xã (sơ đồ): vietnam63 (M. Choisy)',
    onEachFeature: (f, lyr) => {
      const river = f.properties.context === 'river';
      lyr.bindTooltip(esc(f.properties.name), { permanent: true, direction: 'center', interactive: false,
        className: river ? 'ctx-label river' : 'ctx-label ward', opacity: 1 });
    },
  }).addTo(map);
  const labels = () => {
    const show = map.getZoom() >= LABEL_ZOOM;
    layer.eachLayer(l => {
      const river = l.feature.properties.context === 'river';
      if (show || river) l.openTooltip(); else l.closeTooltip();
    });
  };
  map.on('zoomend', labels);
  labels();
  app.context = layer;
}
