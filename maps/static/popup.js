// Feature popups: name, the fields the registry shows in popups, progress bars against
// their declared totals, folded long texts, link to the API item.
import { t, lbl, fmt, fmtDate, esc, unit } from './i18n.js';
import { shownChoice, isDashed, metricColumn } from './style.js';

// The share a metric's bar shows: % directly, counts and amounts against their total.
function share(layer, name, props, metrics) {
  const v = props[name];
  if (metrics[name].percent) return v / 100;
  const of = layer.totals[name];
  if (of && props[of]) return v / props[of];
  return null;
}

function metricRow(cfg, layer, name, props) {
  const m = cfg.metrics[name];
  const s = share(layer, name, props, cfg.metrics);
  const width = s === null ? 100 : Math.max(0, Math.min(100, s * 100));
  return `<div class="metric" data-metric="${name}">
    <div class="mlabel">${esc(lbl(m))}</div>
    <div class="bar${s === null ? ' total' : ''}"><span style="width:${width.toFixed(1)}%"></span></div>
    <div class="mvalue"><b>${fmt(props[name])} ${esc(unit(m))}</b>
      <span class="mdate">${t('as_of_date')} ${fmtDate(props[metricColumn(cfg, name, 'date')])}</span>
      <span class="msrc">${t('source')} ${esc(props[metricColumn(cfg, name, 'source')] || '—')}</span></div></div>`;
}

function fieldRow(f, props) {
  const v = props[f.name];
  const missing = f.missing && (v === null || v === undefined || v === f.missing);
  if (missing) {  // no record: shown as the declared missing value, never left out
    const c = shownChoice(f, v);
    return `<tr><th>${esc(lbl(f))}</th><td class="unknown">${esc(lbl(c))} (${esc(t('no_record'))})</td></tr>`;
  }
  if (v === null || v === undefined || v === '') return '';
  let text;
  if (f.choices.length) {
    const c = shownChoice(f, v);
    text = c ? esc(lbl(c)) : esc(v);
  } else if (f.type === 'number' || f.type === 'integer') {
    text = `${fmt(v)}${f.unit ? ' ' + esc(unit(f)) : ''}`;
  } else text = esc(Array.isArray(v) ? v.join(', ') : v);
  return `<tr><th>${esc(lbl(f))}</th><td>${text}</td></tr>`;
}

export function popupHtml(cfg, layer, feature, asOf) {
  const p = feature.properties;
  const rows = layer.fields.filter(f => f.popup === 'row').map(f => fieldRow(f, p));
  const present = layer.metrics.filter(m => p[m] !== null && p[m] !== undefined);
  const progress = present.length
    ? present.map(m => metricRow(cfg, layer, m, p)).join('')
    : (layer.metrics.length ? `<p class="none">${t('no_progress')}</p>` : '');
  const quality = isDashed(layer, p)
    ? `<p class="note indicative">⚠ ${esc(t('indicative_note'))}</p>` : '';
  const title = lbl({ label_vi: p.name, label_en: p.name_en || p.name });
  const url = layer.item_url.replace('{id}', encodeURIComponent(feature.id));
  const details = layer.fields.filter(f => f.popup === 'details' && p[f.name])
    .map(f => `<details><summary>${esc(lbl(f))}</summary><p>${esc(p[f.name])}</p></details>`).join('');
  return `<div class="popup" data-layer="${layer.id}" data-id="${esc(feature.id)}">
    <h3>${esc(title)}</h3><div class="ptype">${esc(lbl(layer, 'title'))}</div>
    ${quality}<table>${rows.join('')}</table>
    ${layer.metrics.length ? `<h4>${t('progress')} <small>(${asOf ? fmtDate(asOf) : t('latest')})</small></h4>` : ''}
    ${progress}${details}
    <p class="plink"><a href="${url}" target="_blank" rel="noopener">${t('api')} ↗</a></p></div>`;
}
