// Feature styling from the registry's Style (mirrors maps/style.py for printed maps).
export function choice(layer, fieldName, value) {
  const f = layer.fields.find(x => x.name === fieldName);
  return f ? f.choices.find(c => c.value === value) : undefined;
}

export function field(layer, name) {
  return layer.fields.find(f => f.name === name);
}

// The choice a value is shown as: its own, else the field's declared `missing` one
// (New Rural: no record means unknown, never "not achieved").
export function shownChoice(f, value) {
  if (!f) return undefined;
  return f.choices.find(c => c.value === value) ??
    (f.missing ? f.choices.find(c => c.value === f.missing) : undefined);
}

// Drawn dashed: a value whose choice is declared `dashed` (indicative geometry).
export function isDashed(layer, props) {
  return layer.fields.some(f => f.choices.some(c => c.dashed && c.value === props[f.name]));
}

// A metric's flat property: its value (no part) or `date`, `unit`, `source` (config's
// metric_columns, from layers.base.metric_column).
export function metricColumn(cfg, metric, part) {
  return part ? cfg.metric_columns[part].replace('{metric}', metric) : metric;
}

// {metric, share 0..1} of the first shading metric the feature has, or null (vector tiles
// leave out null properties, GeoJSON has them as null: both are unknown).
export function progressValue(layer, props, metrics) {
  for (const m of layer.style.progress_metrics) {
    const v = props[m];
    if (v !== null && v !== undefined && metrics[m].percent) {
      return { metric: m, share: Math.max(0, Math.min(1, v / 100)) };
    }
  }
  return null;
}

export function category(layer, props) {
  const cf = layer.style.color_field;
  if (!cf) return null;
  const c = shownChoice(field(layer, cf), props[cf]);
  return c ? c.value : props[cf] ?? null;
}

export function featureStyle(layer, props, metrics) {
  const st = layer.style;
  let color = st.default_color;
  const cat = category(layer, props);
  const ch = cat !== null ? choice(layer, st.color_field, cat) : undefined;
  if (ch && ch.color) color = ch.color;
  const dashed = isDashed(layer, props);
  let fillOpacity = st.fill_opacity, opacity = 1, progress = null, metric = null;
  if (st.progress_metrics.length) {
    const pv = progressValue(layer, props, metrics);
    if (pv === null) { color = st.unknown_color; fillOpacity = 0.25; opacity = 0.8; }
    else {
      progress = pv.share; metric = pv.metric;
      fillOpacity = 0.15 + 0.7 * pv.share; opacity = 0.35 + 0.65 * pv.share;
    }
  }
  return {
    color, fillColor: color, weight: st.stroke_width, opacity, fillOpacity,
    dashArray: dashed ? '6 5' : null, radius: st.point_radius, pane: `pane-${layer.id}`,
    className: `lyr lyr-${layer.id}${cat !== null ? ` cat-${cat}` : ''}${dashed ? ' indicative' : ''}${progress === null && st.progress_metrics.length ? ' unknown-progress' : ''}`,
    progress, metric, category: cat, dashed,
  };
}
