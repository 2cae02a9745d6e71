// "Add a progress figure" (#10 §2): the metric (with its total), the value in Vietnamese
// notation, the period it covers and its qualifier (the registry's PERIOD_KINDS and
// QUALIFIERS, from /collections/{id}/form), the date it is valid for (dd/mm/yyyy, not in
// the future, not before the year the work starts), its source and a note.
import { lbl, esc } from './i18n.js';
import { tt, wirePickers, readField, showErrors, fieldOf, errText, vnNumber, dialog } from './edit_fields.js';

const NAMES = ['metric', 'value', 'period', 'qualifier', 'valid_on', 'source', 'note'];
const YEAR = /^\d{4}$/;

// the period as the API reads it: kind, kind:YYYY or kind:YYYY-[YYYY]; or {error}
export function periodOf(kind, from, to, metric) {
  if (!kind) return metric?.periodic ? { error: tt('period_needed') } : { value: null };
  if ((from && !YEAR.test(from)) || (to && !YEAR.test(to))) return { error: tt('bad_year') };
  if (kind.years_required && (!from || (kind.years === 2 && !to))) return { error: tt('years_needed') };
  if (!kind.years || (!from && !to)) return { value: kind.value };
  if (kind.years === 1) return { value: `${kind.value}:${from}` };
  if (!from) return { error: tt('years_needed') };
  return { value: `${kind.value}:${from}-${to}` };
}

// the first day a figure of this feature may be valid for (the work's start year), or null
export function earliest(form, props) {
  const y = form.starts_field ? props[form.starts_field] : null;
  return Number.isInteger(y) ? `${String(y).padStart(4, '0')}-01-01` : null;
}

export async function figureForm(layerId, id) {
  const { formOf, fetchFeature, send, done } = await import('./edit.js');
  const form = await formOf(layerId);
  const { feature } = await fetchFeature(layerId, id);
  const p = feature.properties;
  const start = earliest(form, p);
  const metricLabel = m => {
    const total = m.total ? form.fields.find(f => f.name === m.total) || form.metrics.find(x => x.name === m.total) : null;
    const tv = m.total && p[m.total] !== null && p[m.total] !== undefined ? ` ${vnNumber(p[m.total])}` : '';
    return `${lbl(m)} (${m.unit})${total ? ` – ${tt('total')}: ${lbl(total)}${tv}` : ''}`;
  };
  const row = (name, label, input) => `<div class="frow" data-field="${name}"><label for="ff-${name}">${label}</label>${input}<span class="field-error" data-for="${name}" role="alert"></span></div>`;
  const startNote = start ? `<small class="starts" id="ff-starts">${tt('starts')} ${start.slice(0, 4)}</small>` : '';
  const d = dialog(`<form id="figure-form"><h2>${tt('add_figure')}: ${esc(p.name || id)}</h2>
    ${row('metric', `${tt('metric')} *`, `<select id="ff-metric" name="metric" required>
      ${form.metrics.map(m => `<option value="${m.name}">${esc(metricLabel(m))}</option>`).join('')}</select>`)}
    ${row('value', `${tt('value')} *`, `<input id="ff-value" name="value" inputmode="decimal" required placeholder="6.804,269">`)}
    ${row('qualifier', tt('qualifier'), `<select id="ff-qualifier" name="qualifier">
      ${form.qualifiers.map(q => `<option value="${esc(q.value)}">${esc(q.sign ? `${q.sign.trim()} ${lbl(q)}` : lbl(q))}</option>`).join('')}</select>`)}
    ${row('period', `${tt('period')}<span class="period-req"></span>`, `<select id="ff-period" name="period"><option value=""></option>
      ${form.periods.map(k => `<option value="${esc(k.value)}">${esc(lbl(k))}</option>`).join('')}</select>
      <span class="period-years"><label for="ff-period_from" class="from-label"></label><input id="ff-period_from" name="period_from" inputmode="numeric" size="4" maxlength="4" placeholder="yyyy">
      <span class="to"><label for="ff-period_to">${tt('year_to')}</label><input id="ff-period_to" name="period_to" inputmode="numeric" size="4" maxlength="4" placeholder="yyyy"></span></span>`)}
    ${row('valid_on', `${tt('valid_on')} *`, `<input id="ff-valid_on" name="valid_on" placeholder="dd/mm/yyyy" size="10" required>
      <input type="date" class="picker" data-for="ff-valid_on" max="${form.today}"${start ? ` min="${start}"` : ''} aria-label="${tt('valid_on')}">${startNote}`)}
    <div class="frow" data-field="source"><label for="ff-source">${tt('source')}</label><select id="ff-source" name="source"><option value=""></option>
      ${form.sources.map(s => `<option value="${esc(s.id)}">${esc(s.id)} – ${esc(s.label)}</option>`).join('')}</select>
      <label for="ff-line">${tt('line')}</label><input id="ff-line" name="line" inputmode="numeric" size="5"><span class="field-error" data-for="source"></span></div>
    <div class="frow" data-field="ref"><label for="ff-ref">${tt('ref')}</label><input id="ff-ref" name="ref"></div>
    ${row('note', tt('note'), '<input id="ff-note" name="note">')}
    <p class="form-error" role="alert"></p>
    <p><button type="submit">${tt('save')}</button> <button type="button" data-close>${tt('cancel')}</button></p></form>`);
  wirePickers(d);
  const val = n => d.querySelector(`[name="${n}"]`).value.trim();
  const metric = () => form.metrics.find(m => m.name === val('metric'));
  const kind = () => form.periods.find(k => k.value === val('period'));
  // the year inputs the chosen kind of period takes; a required period for amounts
  const showPeriod = () => {
    const k = kind();
    d.querySelector('.period-years').hidden = !k?.years;
    d.querySelector('.period-years .to').hidden = (k?.years || 0) < 2;
    d.querySelector('.from-label').textContent = k?.years === 2 ? tt('year_from') : tt('year');
    d.querySelector('.period-req').textContent = metric()?.periodic ? ' *' : '';
  };
  d.querySelector('#ff-period').addEventListener('change', showPeriod);
  d.querySelector('#ff-metric').addEventListener('change', showPeriod);
  showPeriod();
  d.querySelector('form').addEventListener('submit', async ev => {
    ev.preventDefault();
    const errors = {};
    const date = readField({ name: 'valid_on', type: 'date', required: true }, d, form.today);
    if (date.error) errors.valid_on = date.error;
    else if (start && date.value < start) errors.valid_on = `${tt('before_start')} (${start.slice(0, 4)})`;
    const value = readField({ name: 'value', type: 'number', required: true }, d, null);
    if (value.error) errors.value = value.error;
    const period = periodOf(kind(), val('period_from'), val('period_to'), metric());
    if (period.error) errors.period = period.error;
    if (Object.keys(errors).length) return showErrors(d, errors);
    const body = { metric: val('metric'), value: value.value, valid_on: date.value, qualifier: val('qualifier') };
    if (period.value) body.period = period.value;
    const source = {};
    if (val('source')) source.doc = val('source');
    if (val('line')) source.line = Number(val('line'));
    if (val('ref')) source.ref = val('ref');
    if (Object.keys(source).length) body.source = source;
    if (val('note')) body.note = val('note');
    const r = await send('POST', `/collections/${layerId}/items/${encodeURIComponent(id)}/progress`, body);
    if (r.ok) return done(tt('saved'));
    const name = fieldOf(r.data || {}, NAMES);
    showErrors(d, name ? { [name]: errText(r.data) } : {}, name ? '' : errText(r.data));
  });
}
