// One legend block per visible layer, built from the registry config and what is drawn:
// the features of a GeoJSON layer, or what the vector tiles of a tiled layer have drawn so far.
import { t, lbl, esc, fmt } from './i18n.js';
import { featureStyle } from './style.js';

function swatch(kind, color, extra = '') {
  return `<span class="sw sw-${kind}" style="--c:${color}"${extra}></span>`;
}

// The swatch shape of a layer from its declared geometry type (tiled layers).
export function declaredKind(layer) {
  const g = layer.geometry_type.replace('Multi', '');
  return g === 'LineString' ? 'line' : (g === 'Point' ? 'point' : 'box');
}

// What a legend needs to know about the drawn features of a layer.
export function newSummary(kind) {
  return { kind, categories: new Set(), metrics: new Set(), unknown: false, dashed: false,
    drawn: 0, known: 0 };
}

// A category is listed only where some feature is drawn in its colour: a feature of unknown
// progress is drawn grey whatever its kind.
export function addToSummary(summary, layer, style) {
  const shaded = layer.style.progress_metrics.length > 0;
  summary.drawn += 1;
  if (!shaded || style.progress !== null) summary.categories.add(style.category);
  if (shaded && style.progress === null) summary.unknown = true;
  if (style.progress !== null) summary.known += 1;
  if (style.metric) summary.metrics.add(style.metric);
  if (style.dashed) summary.dashed = true;
}

export function summariseFeatures(cfg, layer, features) {
  const geomKinds = new Set(features.filter(f => f.geometry).map(f => f.geometry.type.replace('Multi', '')));
  const kind = geomKinds.has('LineString') ? 'line' : (geomKinds.size === 1 && geomKinds.has('Point') ? 'point' : 'box');
  const summary = newSummary(kind);
  for (const f of features) {  // what is drawn: features without a location are only counted
    if (f.geometry) addToSummary(summary, layer, featureStyle(layer, f.properties, cfg.metrics));
  }
  summary.count = features.length;
  summary.unlocated = features.filter(f => !f.geometry).length;
  return summary;
}

export function legendHtml(cfg, layer, summary) {
  const { kind } = summary;
  const rows = [];
  const cf = layer.style.color_field;
  if (cf) {
    const f = layer.fields.find(x => x.name === cf);
    for (const c of f.choices) {
      if (!summary.categories.has(c.value)) continue;
      const label = c.value === f.missing ? `${lbl(c)} (${t('no_record')})` : lbl(c);
      rows.push(`<li>${swatch(kind, c.color || layer.style.default_color)}${esc(label)}</li>`);
    }
  }
  if (summary.known) {  // the metrics features are actually shaded by, in the registry's order
    const used = layer.style.progress_metrics.filter(m => summary.metrics.has(m));
    const names = used.map(m => lbl(cfg.metrics[m])).join(', ');
    rows.push(`<li>${swatch('ramp', '#37474f')}${t('shade')} (0 → 100 %): ${esc(names)}</li>`);
  }
  if (summary.unknown) rows.push(`<li>${swatch(kind, layer.style.unknown_color)}${t('unknown_progress')}</li>`);
  if (summary.dashed) rows.push(`<li>${swatch('dash', '#333')}${t('indicative')}</li>`);
  if (summary.unlocated) rows.push(`<li class="muted">${t('unlocated', summary.unlocated)}</li>`);
  if (summary.tiled) rows.push(`<li class="muted">${t('tiled_note')}</li>`);
  else if (!summary.count) rows.push(`<li class="muted">${t('none_here')}</li>`);
  const count = summary.tiled ? fmt(layer.feature_count) : summary.count;
  return `<div class="legend-layer" data-layer="${layer.id}"${summary.tiled ? ' data-tiled="1"' : ''}>
    <h4>${esc(lbl(layer, 'title'))} <small>(${count})</small></h4><ul>${rows.join('')}</ul></div>`;
}
