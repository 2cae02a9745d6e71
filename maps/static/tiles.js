// Large layers as vector tiles: Leaflet.VectorGrid (npm `leaflet.vectorgrid`, served from
// /maps/vendor/vectorgrid) drawing the API's MVT tiles on canvas, styled like GeoJSON layers.
//
// Tiles carry the registry fields marked `in_tiles` and each metric's value and date; the style function applies the same registry styling and client-side filters
// as the GeoJSON layers (a feature that does not match is not drawn). A click is hit-tested
// against the drawn tile features; the popup then fetches the whole feature from
// /collections/{id}/items/{featureId} (with ?as_of= when a date is chosen).
import { featureStyle } from './style.js';
import { matches, inDistrict } from './filters.js';
import { newSummary, addToSummary, declaredKind } from './legend.js';

const PLUGIN = '/maps/vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js';
let plugin;

// The plugin is loaded only when a layer is tiled (most pages need no tiles).
export function loadPlugin() {
  if (window.L && L.vectorGrid) return Promise.resolve();
  plugin ??= new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = PLUGIN;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`${PLUGIN} missing (make js-deps)`));
    document.head.append(s);
  });
  return plugin;
}

export function tileUrl(layer, asOf) {
  return layer.tile_url + (asOf ? `?as_of=${encodeURIComponent(asOf)}` : '');
}

// One tiled layer. `ctx` gives the current filters, district and config at drawing time.
export class TiledLayer {
  constructor(layer, url, ctx, bounds) {
    this.layer = layer;
    this.ctx = ctx;
    this.summary = newSummary(declaredKind(layer));
    this.summary.tiled = true;
    this.grid = L.vectorGrid.protobuf(url, {
      rendererFactory: L.canvas.tile,
      pane: `pane-${layer.id}`,
      interactive: false,        // clicks are hit-tested from the map's click (see hit())
      getFeatureId: f => f.properties.id,
      vectorTileLayerStyles: { [layer.id]: props => this.style(props) },
      bounds,
      tolerance: 3,
      updateWhenZooming: false,
    });
    // A tile asked for before a redraw (new date or filters) may arrive after it: it was
    // removed, and drawing it would count its features in the new summary. Each redraw
    // starts a generation; the tiles of an older one are drawn empty.
    this.generation = 0;
    const fetchTile = this.grid._getVectorTilePromise.bind(this.grid);
    this.grid._getVectorTilePromise = (...args) => {
      const asked = this.generation;
      return fetchTile(...args).then(vt => (asked === this.generation ? vt : { layers: {} }));
    };
  }

  style(props) {
    const { layer, ctx } = this;
    if (!inDistrict(layer, props, props.id, ctx.district()) ||
        !matches(layer, props, ctx.filters(), ctx.cfg.metrics)) return [];
    const st = featureStyle(layer, props, ctx.cfg.metrics);
    addToSummary(this.summary, layer, st);
    return { color: st.color, fillColor: st.fillColor, weight: st.weight, opacity: st.opacity,
      fillOpacity: st.fillOpacity, dashArray: st.dashArray, radius: st.radius, fill: true };
  }

  // Redraw every tile (new filters), or load new tiles (new date).
  redraw(url) {
    this.generation += 1;
    this.summary = Object.assign(newSummary(this.summary.kind), { tiled: true });
    if (url && url !== this.grid._url) this.grid.setUrl(url); else this.grid.redraw();
  }

  // Resolves when the tiles in view are loaded and drawn (at once if none are loading).
  settled(timeoutMs = 15000) {
    const g = this.grid;
    if (!g._map || !g.isLoading()) return Promise.resolve();
    return new Promise(resolve => {
      const done = () => { clearTimeout(timer); g.off('load', done); resolve(); };
      const timer = setTimeout(done, timeoutMs);
      g.on('load', done);
    });
  }

  // The topmost drawn feature under `latlng` (its tile properties), or null.
  hit(map, latlng) {
    const g = this.grid;
    const z = g._tileZoom;
    if (!g._map || z === undefined || !g._vectorTiles) return null;
    const size = g.getTileSize();
    const p = map.project(latlng, z);
    const coords = p.unscaleBy(size).floor();
    coords.z = z;
    const renderer = g._vectorTiles[g._tileCoordsToKey(coords)];
    if (!renderer || !renderer._features) return null;
    const local = p.subtract(coords.scaleBy(size));
    let found = null;
    for (const id in renderer._features) {
      const f = renderer._features[id].feature;
      if (!f._pxBounds && f.makeInteractive && !f._point) f.makeInteractive();
      if (f._containsPoint(local)) found = f.properties;
    }
    return found;
  }

  // Features drawn so far (for tests and the legend).
  drawnCount() { return this.summary.drawn; }
}
