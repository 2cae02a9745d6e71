// Client-side filters: the registry's filter fields (cfg.filters: a select each, the query
// parameter is the field's name) and the progress range of one chosen metric (or the shading one).
import { progressValue, choice } from './style.js';

// The select of a filter field (`status_class` -> #f-status-class).
export function filterId(name) {
  return `f-${name.replace(/_/g, '-')}`;
}

// A choice filter restricts the layers whose field offers that choice, no others.
function choiceOk(layer, props, name, value) {
  if (!value || !name || !choice(layer, name, value)) return true;
  return props[name] === value;
}

export function readFilters(cfg) {
  const v = id => document.getElementById(id).value;
  const choices = {};
  for (const f of cfg.filters) {
    const value = document.getElementById(filterId(f.name))?.value;
    if (value) choices[f.name] = value;
  }
  return {
    choices,
    pmin: Number(v('f-pmin') || 0), pmax: Number(v('f-pmax') === '' ? 100 : v('f-pmax')),
    unknown: document.getElementById('f-unknown').checked,
    metric: v('f-metric') || null,
  };
}

export function matches(layer, props, flt, metrics) {
  if (!layer.feature_fields) return true;             // the district background is never filtered
  for (const [name, value] of Object.entries(flt.choices)) {
    if (!choiceOk(layer, props, name, value)) return false;
  }
  const share = progressShare(layer, props, flt.metric, metrics);
  if (share !== undefined) {
    if (share === null) { if (!flt.unknown) return false; }
    else if (share * 100 < flt.pmin || share * 100 > flt.pmax) return false;
  }
  return true;
}

// The share (0..1) the progress range is compared with: the chosen metric where the layer
// tracks it, else the layer's shading metric; null: unknown; undefined: not restricted
// (a layer without the chosen metric, or with no progress at all).
export function progressShare(layer, props, metric, metrics) {
  if (metric) {
    if (!layer.metrics.includes(metric)) return undefined;
    const v = props[metric];
    return v === null || v === undefined ? null : Math.max(0, Math.min(1, v / 100));
  }
  if (!layer.style.progress_metrics.length) return undefined;
  const pv = progressValue(layer, props, metrics);
  return pv === null ? null : pv.share;
}

// The metrics the chooser offers: the percent metrics of the layers shown on the map.
export function chooserMetrics(cfg, visible) {
  const names = [];
  for (const l of visible) for (const m of l.metrics) if (cfg.metrics[m].percent && !names.includes(m)) names.push(m);
  return names;
}

// The district filter where the server cannot apply it (vector tiles), as maps/filters.py does:
// `districts` (a list; in tiles a comma-joined text), a layer's own `district`, or the id.
export function inDistrict(layer, props, id, code) {
  if (!code) return true;
  if (layer.feature_fields) {
    const d = props.districts;
    return Array.isArray(d) ? d.includes(code) : String(d ?? '').split(',').includes(code);
  }
  if (layer.fields.some(f => f.name === 'district')) return props.district === code;
  return String(id) === code;
}
