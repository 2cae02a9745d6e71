// One legend block per visible layer, built from the registry config and the drawn data.
import { t, lbl, esc } from './i18n.js';
import { featureStyle } from './style.js';

function swatch(kind, color, extra = '') {
  return `<span class="sw sw-${kind}" style="--c:${color}"${extra}></span>`;
}

export function legendHtml(cfg, layer, features) {
  const geomKinds = new Set(features.filter(f => f.geometry).map(f => f.geometry.type.replace('Multi', '')));
  const kind = geomKinds.has('LineString') ? 'line' : (geomKinds.size === 1 && geomKinds.has('Point') ? 'point' : 'box');
  const styles = features.map(f => featureStyle(layer, f.properties, cfg.metrics));
  const rows = [];
  const cf = layer.style.color_field;
  if (cf) {
    const present = new Set(styles.map(s => s.category));
    const f = layer.fields.find(x => x.name === cf);
    for (const c of f.choices) {
      if (!present.has(c.value)) continue;
      const label = cf === 'ntm_level' && c.value === 'unknown' ? t('ntm_unknown') : lbl(c);
      rows.push(`<li>${swatch(kind, c.color || layer.style.default_color)}${esc(label)}</li>`);
    }
  }
  if (layer.style.progress_metrics.length && features.length) {
    const m = cfg.metrics[layer.style.progress_metrics[0]];
    rows.push(`<li>${swatch('ramp', '#37474f')}${t('shade')}: ${esc(lbl(m))} 0 → 100 %</li>`);
    if (styles.some(s => s.progress === null)) rows.push(`<li>${swatch(kind, layer.style.unknown_color)}${t('unknown_progress')}</li>`);
  }
  if (styles.some(s => s.dashed)) rows.push(`<li>${swatch('dash', '#333')}${t('indicative')}</li>`);
  const unlocated = features.filter(f => !f.geometry).length;
  const note = unlocated ? `<li class="muted">${t('unlocated', unlocated)}</li>` : '';
  return `<div class="legend-layer" data-layer="${layer.id}"><h4>${esc(lbl(layer, 'title'))}
    <small>(${features.length})</small></h4><ul>${rows.join('')}${note}</ul></div>`;
}
