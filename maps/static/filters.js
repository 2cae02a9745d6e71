// Client-side filters: the registry's filter fields (cfg.filters: a select each, the query
// parameter is the field's name), progress range and name search.
import { progressValue, choice } from './style.js';

// "Đường tỉnh 918" and "duong tinh 918" normalise to the same text.
export function normalise(s) {
  return (s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase().replace(/\s+/g, ' ').trim();
}

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
    search: normalise(v('f-search')),
  };
}

export function matches(layer, props, flt, metrics) {
  if (!layer.feature_fields) return true;             // the district background is never filtered
  for (const [name, value] of Object.entries(flt.choices)) {
    if (!choiceOk(layer, props, name, value)) return false;
  }
  if (layer.style.progress_metrics.length) {
    const pv = progressValue(layer, props, metrics);
    if (pv === null) { if (!flt.unknown) return false; }
    else if (pv.share * 100 < flt.pmin || pv.share * 100 > flt.pmax) return false;
  }
  if (flt.search) {
    const hay = normalise(`${props.name || ''} ${props.name_en || ''}`);
    if (!flt.search.split(' ').every(w => hay.includes(w))) return false;
  }
  return true;
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
