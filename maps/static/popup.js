// Feature popups: name, the fields the registry shows in popups (a figure with the sign of
// its qualifier), progress bars against their declared totals (only between figures of the
// same period), each figure's period, folded long texts and records, the values that
// contradict the feature's own (flagged on the figure), link to the API item.
import { t, lbl, fmt, fmtDate, esc, unit, textIn } from './i18n.js';
import { shownChoice, isDashed, metricColumn } from './style.js';

// The sign a qualifier is shown with ("≈ ", "> ", "< "); '' for exact or none.
function sign(cfg, value) {
  const q = (cfg.qualifiers || []).find(c => c.value === value);
  return (q && q.sign) || '';
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

// The share a metric's bar shows: % directly, counts and amounts against their declared
// total, and only where both cover the same period (a 2024 plan against a cumulative sum
// is no share).
function share(cfg, layer, name, props) {
  const v = props[name];
  if (cfg.metrics[name].percent) return v / 100;
  const of = layer.totals[name];
  const period = p => props[metricColumn(cfg, p, 'period')];
  if (of && props[of] && period(name) === period(of)) return v / props[of];
  return null;
}

// The entries of the feature's conflicts fields (popup: 'conflicts') about `name`.
function conflictsAbout(layer, props, name) {
  return layer.fields.filter(f => f.popup === 'conflicts')
    .flatMap(f => (Array.isArray(props[f.name]) ? props[f.name] : []))
    .filter(c => c && c.field === name);
}

function metricRow(cfg, layer, name, props) {
  const m = cfg.metrics[name];
  const flag = conflictsAbout(layer, props, name).length
    ? ` <span class="flag contradicted">⚑ ${esc(t('contradicted'))}</span>` : '';
  const s = share(cfg, layer, name, props);
  const period = periodText(props[metricColumn(cfg, name, 'period')]);
  const width = s === null ? 100 : Math.max(0, Math.min(100, s * 100));
  return `<div class="metric" data-metric="${name}">
    <div class="mlabel">${esc(lbl(m))}</div>
    <div class="bar${s === null ? ' total' : ''}"><span style="width:${width.toFixed(1)}%"></span></div>
    <div class="mvalue"><b>${esc(sign(cfg, props[metricColumn(cfg, name, 'qualifier')]))}${fmt(props[name])} ${esc(unit(m))}</b>
      ${period ? `<span class="mperiod">(${esc(period)})</span>` : ''}
      <span class="mdate">${t('as_of_date')} ${fmtDate(props[metricColumn(cfg, name, 'date')])}</span>
      <span class="msrc">${t('source')} ${sourceHtml(cfg, props[metricColumn(cfg, name, 'source')], null, true)}</span>${flag}</div></div>`;
}

// Values that contradict the feature's own (popup: 'conflicts'): another document's value
// of a field, or a printed percentage recomputed from the report's own figures (derived),
// each with its date and source. Both stay: the figure above, this one here.
function conflictsHtml(cfg, layer, f, props) {
  const list = (Array.isArray(props[f.name]) ? props[f.name] : []).filter(c => c && c.field);
  if (!list.length) return '';
  const item = c => {
    const m = cfg.metrics[c.field];
    const g = layer.fields.find(x => x.name === c.field);
    const what = lbl(m || g || { label_vi: c.field, label_en: c.field });
    let value = esc(c.value ?? '—');
    if (m) value += ` ${esc(unit(m))}`;
    else if (g && g.choices.length) value = esc(lbl(shownChoice(g, c.value) || { label_vi: c.value, label_en: c.value }));
    const src = `${c.source_doc || ''}${c.source_line ? ':' + c.source_line : ''} ${c.source_ref || ''}`.trim();
    const note = textIn(c, 'note');  // note (Vietnamese) or note_en, the page's language
    return `<li data-field="${esc(c.field)}"><b>${esc(what)}</b>: ${value}`
      + (c.derived ? ` <i class="derived">(${esc(t('derived'))})</i>` : '')
      + (c.valid_on ? `, ${t('as_of_date')} ${fmtDate(c.valid_on)}` : '')
      + ` <small>(${t('source')} ${sourceHtml(cfg, src, null, true)})</small>`
      + (note ? `<br><small class="cnote">${esc(note)}</small>` : '') + '</li>';
  };
  return `<div class="conflicts" data-field="${esc(f.name)}"><h4>⚑ ${esc(lbl(f))} (${list.length})</h4><ul>${list.map(item).join('')}</ul></div>`;
}

function fieldRow(cfg, layer, f, props) {
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
    const q = layer.fields.find(g => g.qualifies === f.name);
    text = `${esc(q ? sign(cfg, props[q.name]) : '')}${fmt(v)}${f.unit ? ' ' + esc(unit(f)) : ''}`;
  } else text = esc(Array.isArray(v) ? v.join(', ') : v);
  return `<tr><th>${esc(lbl(f))}</th><td>${text}</td></tr>`;
}

// A field of records (popup: 'records', e.g. decisions and milestones): kind, number, date,
// issuer, subject and source; a record another document cites differently is flagged
// with that citation.
function recordsHtml(cfg, f, props) {
  const list = Array.isArray(props[f.name]) ? props[f.name] : [];
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
  return `<details class="records" data-field="${esc(f.name)}"><summary>${esc(lbl(f))} (${list.length})</summary><ul>${list.map(item).join('')}</ul></details>`;
}

export function popupHtml(cfg, layer, feature, asOf) {
  const p = feature.properties;
  const rows = layer.fields.filter(f => f.popup === 'row').map(f => fieldRow(cfg, layer, f, p));
  const present = layer.metrics.filter(m => p[m] !== null && p[m] !== undefined);
  const progress = present.length
    ? present.map(m => metricRow(cfg, layer, m, p)).join('')
    : (layer.metrics.length ? `<p class="none">${t('no_progress')}</p>` : '');
  const quality = isDashed(layer, p)
    ? `<p class="note indicative">⚠ ${esc(t('indicative_note'))}</p>` : '';
  const r = layer.roles || {};
  const title = lbl({ label_vi: p[r.name], label_en: p[r.name_en] || p[r.name] });
  const url = layer.item_url.replace('{id}', encodeURIComponent(feature.id));
  const details = layer.fields.filter(f => f.popup === 'details' && p[f.name])
    .map(f => `<details><summary>${esc(lbl(f))}</summary><p>${esc(p[f.name])}</p></details>`).join('');
  const records = layer.fields.filter(f => f.popup === 'records').map(f => recordsHtml(cfg, f, p)).join('');
  const conflicts = layer.fields.filter(f => f.popup === 'conflicts').map(f => conflictsHtml(cfg, layer, f, p)).join('');
  return `<div class="popup" data-layer="${layer.id}" data-id="${esc(feature.id)}">
    <h3>${esc(title)}</h3><div class="ptype">${esc(lbl(layer, 'title'))}</div>
    ${quality}<table>${placeRows(cfg, layer, p)}${rows.join('')}${docRow(cfg, layer, p)}</table>
    ${layer.metrics.length ? `<h4>${t('progress')} <small>(${asOf ? fmtDate(asOf) : t('latest')})</small></h4>` : ''}
    ${progress}${conflicts}${details}${records}
    <p class="plink"><a href="${url}" target="_blank" rel="noopener">${t('api')} ↗</a>${historyLink(layer, feature)}</p></div>`;
}

// "002:128 Phụ lục III, dòng 3" -> the document's number and title, the line and the rest.
// `brief`: the number alone where the document has one (the title in its tooltip).
export function sourceHtml(cfg, text, line, brief = false) {
  if (!text) return '—';
  const m = /^([^:\s]+)(?::(\d+))?\s*(.*)$/.exec(String(text));
  const doc = m && cfg.sources?.[m[1]];
  if (!doc) return esc(text);
  const title = lbl({ label_vi: doc.title, label_en: doc.title_en || doc.title });
  const short = title.length > 90 ? `${title.slice(0, 88)}…` : title;
  const at = m[2] || line;
  const parts = brief && doc.report_no ? doc.report_no : [doc.report_no, short].filter(Boolean).join(' – ');
  return `<span class="srcdoc" title="${esc(title)} (${esc(m[1])})">${esc(parts)}</span>` +
    (at ? `, ${t('line')} ${esc(at)}` : '') + (m[3] ? ` (${esc(m[3])})` : '');
}

// Districts and wards by name (the codes in the fields of role `districts` and `wards`).
function placeRows(cfg, layer, p) {
  const names = (codes, list) => (Array.isArray(codes) ? codes : String(codes ?? '').split(','))
    .filter(Boolean).map(c => list.find(x => x.code === c)?.full_name || c).join(', ');
  const rows = [];
  const roles = layer.roles || {};
  for (const [role, list] of [['districts', cfg.districts], ['wards', cfg.wards || []]]) {
    const name = roles[role];
    const f = name && layer.fields.find(x => x.name === name);
    const text = f && names(p[name], list);
    if (text) rows.push(`<tr class="place"><th>${esc(lbl(f))}</th><td>${esc(text)}</td></tr>`);
  }
  return rows.join('');
}

// The feature's own source document (fields of role `source`, `source_line`), resolved
// to its title.
function docRow(cfg, layer, p) {
  const r = layer.roles || {};
  const f = r.source && layer.fields.find(x => x.name === r.source);
  if (!f || !p[r.source]) return '';
  return `<tr class="source"><th>${esc(lbl(f))}</th><td>${sourceHtml(cfg, p[r.source], p[r.source_line])}</td></tr>`;
}

function historyLink(layer, feature) {
  if (!layer.metrics.length || !layer.history_url) return '';
  const url = layer.history_url.replace('{id}', encodeURIComponent(feature.id));
  return ` · <a class="history" href="${url}" target="_blank" rel="noopener">${t('history')} ↗</a>`;
}
