// Feature popups: name, kind, status with its meaning, progress bars, link to the API item.
import { t, lbl, fmt, fmtDate, esc, unit } from './i18n.js';
import { choice, field, category } from './style.js';

const SKIP = new Set(['name', 'name_en', 'districts', 'wards', 'geom_quality', 'source_doc',
  'source_line', 'source_ref', 'valid_on', 'notes', 'conflicts', 'status_text', 'name_ascii']);

// The share a metric's bar shows: % directly, counts and amounts against their total.
function share(name, props, metrics) {
  const v = props[name];
  if (metrics[name].percent) return v / 100;
  const of = { packages_done: 'packages_total', capital_disbursed_bil_vnd: 'capital_plan_bil_vnd',
    length_done_m: 'length_m' }[name];
  // only between figures of the same period (a 2024 plan against a cumulative sum is no share)
  if (of && props[of] && props[`${name}_period`] === props[`${of}_period`]) return v / props[of];
  return null;
}

// A figure's period as text (API `{metric}_period`, gis.figures.parse_period):
// point, year:2024, multi_year:2021-2025, cumulative[:2016-[2024]].
export function periodText(period) {
  if (!period) return '';
  const [kind, years = ''] = period.split(':');
  const [a, b] = years.split('-');
  if (kind === 'year') return t('period_year', a);
  if (kind === 'multi_year') return t('period_multi_year', a, b);
  if (kind === 'cumulative') {
    return t('period_cumulative') + (a ? t('period_since', a) : '') + (b ? t('period_until', b) : '');
  }
  return t('period_point');
}

// The sign a qualifier is shown with ("≈ ", "> ", "< "); '' for exact or none.
function sign(cfg, value) {
  const q = (cfg.qualifiers || []).find(c => c.value === value);
  return (q && q.sign) || '';
}

function metricRow(name, props, metrics, cfg) {
  const m = metrics[name];
  const period = periodText(props[`${name}_period`]);
  const s = share(name, props, metrics);
  const width = s === null ? 100 : Math.max(0, Math.min(100, s * 100));
  return `<div class="metric" data-metric="${name}">
    <div class="mlabel">${esc(lbl(m))}</div>
    <div class="bar${s === null ? ' total' : ''}"><span style="width:${width.toFixed(1)}%"></span></div>
    <div class="mvalue"><b>${esc(sign(cfg, props[`${name}_qualifier`]))}${fmt(props[name])} ${esc(unit(m.unit))}</b>
      ${period ? `<span class="mperiod">(${esc(period)})</span>` : ''}
      <span class="mdate">${t('as_of_date')} ${fmtDate(props[`${name}_date`])}</span>
      <span class="msrc">${t('source')} ${esc(props[`${name}_source`] || '—')}</span></div></div>`;
}

// Decisions and milestones (layers.report_fields.DECISION_KEYS): kind, number, date, source;
// a decision another document cites differently is flagged with the other citation.
function decisionsHtml(cfg, props) {
  const list = Array.isArray(props.decisions) ? props.decisions : [];
  if (!list.length) return '';
  const src = s => (s ? `${s.doc}${s.line ? ':' + s.line : ''}` : '');
  const when = d => (d.date ? fmtDate(d.date) : (d.date_text || ''));
  const item = d => {
    const kind = (cfg.decision_kinds || []).find(c => c.value === d.kind);
    const text = [d.number, when(d), d.issuer].filter(Boolean).join(', ');
    const other = d.differs_from
      ? ` <span class="flag">⚑ ${esc(t('differs'))} ${esc([d.differs_from.number, when(d.differs_from)].filter(Boolean).join(', '))} (${esc(src(d.differs_from.source))})</span>`
      : '';
    return `<li><b>${esc(kind ? lbl(kind) : d.kind)}</b> ${esc(text)}${d.subject ? ': ' + esc(d.subject) : ''}
      <small>(${esc(t('source'))} ${esc(src(d.source))})</small>${other}</li>`;
  };
  return `<details class="decisions"><summary>${esc(t('decisions'))} (${list.length})</summary><ul>${list.map(item).join('')}</ul></details>`;
}

function fieldRow(layer, f, props, cfg) {
  const v = props[f.name];
  if (v === null || v === undefined || v === '') return '';
  // a figure's qualifier is shown as the sign before it ("≈ 43,37 ha"), not as a row
  const figure = layer.fields.find(g => `${g.name}_qualifier` === f.name);
  if (figure && props[figure.name] !== null && props[figure.name] !== undefined) return '';
  let text;
  if (f.choices.length) {
    const c = choice(layer, f.name, v);
    text = c ? esc(lbl(c)) : esc(v);
    if (f.name === 'status_class' && c) text = `<span class="meaning">${text}</span>`;
  } else if (f.type === 'number' || f.type === 'integer') {
    text = `${esc(sign(cfg, props[`${f.name}_qualifier`]))}${fmt(v)}${f.unit ? ' ' + esc(unit(f.unit)) : ''}`;
  } else text = esc(Array.isArray(v) ? v.join(', ') : v);
  return `<tr><th>${esc(lbl(f))}</th><td>${text}</td></tr>`;
}

export function popupHtml(cfg, layer, feature, asOf) {
  const p = feature.properties;
  const rows = [];
  const cf = layer.style.color_field;
  if (cf === 'ntm_level' && category(layer, p) === 'unknown') {
    rows.push(`<tr><th>${esc(lbl(field(layer, cf)))}</th><td class="unknown">${esc(t('ntm_unknown'))}</td></tr>`);
  }
  for (const f of layer.fields) {
    if (SKIP.has(f.name) || (cf === 'ntm_level' && f.name === cf && category(layer, p) === 'unknown')) continue;
    rows.push(fieldRow(layer, f, p, cfg));
  }
  const st = field(layer, 'status');
  if (st && p.status) {
    const c = choice(layer, 'status', p.status);
    if (c) rows.push(`<tr><th>${esc(t('meaning'))}</th><td>${esc(c.value)}: ${esc(lbl(c))}</td></tr>`);
  }
  const present = layer.metrics.filter(m => p[m] !== null && p[m] !== undefined);
  const progress = present.length
    ? present.map(m => metricRow(m, p, cfg.metrics, cfg)).join('')
    : (layer.metrics.length ? `<p class="none">${t('no_progress')}</p>` : '');
  const quality = p.geom_quality === 'indicative'
    ? `<p class="note indicative">⚠ ${esc(t('indicative_note'))}</p>` : '';
  const title = lbl({ label_vi: p.name, label_en: p.name_en || p.name });
  const url = layer.item_url.replace('{id}', encodeURIComponent(feature.id));
  const statusText = p.status_text ? `<details><summary>${esc(lbl(field(layer, 'status_text')))}</summary><p>${esc(p.status_text)}</p></details>` : '';
  return `<div class="popup" data-layer="${layer.id}" data-id="${esc(feature.id)}">
    <h3>${esc(title)}</h3><div class="ptype">${esc(lbl(layer, 'title'))}</div>
    ${quality}<table>${rows.join('')}</table>
    ${layer.metrics.length ? `<h4>${t('progress')} <small>(${asOf ? fmtDate(asOf) : t('latest')})</small></h4>` : ''}
    ${progress}${decisionsHtml(cfg, p)}${statusText}
    <p class="plink"><a href="${url}" target="_blank" rel="noopener">${t('api')} ↗</a></p></div>`;
}
