// Form inputs made from the registry's field declarations (/collections/{id}/form):
// Vietnamese labels and units, choices as selects, numbers in Vietnamese notation
// (6.804,269) or plain, dates as dd/mm/yyyy with a date picker, lists as "a, b".
import { state, lbl, esc, unit } from './i18n.js';

export const T = {
  vi: { edit: 'Sửa', add_figure: 'Thêm số liệu tiến độ', geometry: 'Sửa hình học', history: 'Lịch sử',
    delete: 'Xóa', save: 'Lưu', cancel: 'Hủy', reason: 'Lý do xóa', signin: 'Đăng nhập', signout: 'Đăng xuất',
    draw: 'Vẽ đối tượng mới', metric: 'Chỉ tiêu', value: 'Giá trị', valid_on: 'Có giá trị đến ngày',
    source: 'Tài liệu nguồn', line: 'Dòng', ref: 'Tham chiếu (tài liệu mới)', note: 'Ghi chú', total: 'tổng',
    required: 'bắt buộc', bad_date: 'Ngày phải có dạng dd/mm/yyyy', future: 'Ngày không được ở tương lai',
    bad_number: 'Số không hợp lệ (vd. 6.804,269)', conflict: 'Người khác đã sửa đối tượng này trong lúc bạn sửa.',
    theirs: 'Bản hiện tại', yours: 'Của bạn', reload: 'Tải lại', reapply: 'Áp dụng lại thay đổi của bạn',
    saved: 'Đã lưu', id: 'Mã (slug)', outside_city: 'Hình học nằm ngoài Cần Thơ',
    outside_district: 'Hình học nằm ngoài quận/huyện của bạn', invalid_geom: 'Hình học không hợp lệ',
    new_feature: 'Đối tượng mới', layer: 'Lớp', signed_in: 'Đăng nhập:',
    period: 'Kỳ số liệu', qualifier: 'Mức độ chính xác', year: 'Năm', year_from: 'Từ năm', year_to: 'đến năm',
    period_needed: 'Số tiền phải ghi rõ kỳ (năm, giai đoạn hoặc lũy kế)', years_needed: 'Ghi năm của kỳ',
    bad_year: 'Năm có dạng yyyy (vd. 2024)', before_start: 'Ngày trước năm bắt đầu thực hiện',
    starts: 'Bắt đầu thực hiện năm' },
  en: { edit: 'Edit', add_figure: 'Add a progress figure', geometry: 'Edit geometry', history: 'History',
    delete: 'Delete', save: 'Save', cancel: 'Cancel', reason: 'Reason for deleting', signin: 'Sign in', signout: 'Sign out',
    draw: 'Draw a new feature', metric: 'Metric', value: 'Value', valid_on: 'Valid on',
    source: 'Source document', line: 'Line', ref: 'Reference (a new document)', note: 'Note', total: 'total',
    required: 'required', bad_date: 'Dates are dd/mm/yyyy', future: 'The date may not be in the future',
    bad_number: 'Not a number (e.g. 6.804,269)', conflict: 'Somebody else changed this feature while you were editing.',
    theirs: 'Current version', yours: 'Yours', reload: 'Reload', reapply: 'Reapply your changes',
    saved: 'Saved', id: 'Id (slug)', outside_city: 'The geometry lies outside Cần Thơ',
    outside_district: 'The geometry lies outside your district', invalid_geom: 'Invalid geometry',
    new_feature: 'New feature', layer: 'Layer', signed_in: 'Signed in:',
    period: 'Period', qualifier: 'Qualifier', year: 'Year', year_from: 'From', year_to: 'to',
    period_needed: 'An amount must say its period (year, plan period or cumulative)', years_needed: 'Give the year(s) of the period',
    bad_year: 'Years are yyyy (e.g. 2024)', before_start: 'The date is before the year the work starts',
    starts: 'Work starts in' },
};
export const tt = key => T[state.lang === 'en' ? 'en' : 'vi'][key];

// "6.804,269" (Vietnamese) or "6804.269" / "6804,269" (plain) -> 6804.269; null if not a number
export function parseNumber(text) {
  let s = String(text).trim().replace(/\s/g, '');
  if (s === '') return null;
  if (/^-?\d{1,3}(\.\d{3})+(,\d+)?$/.test(s) || s.includes(',')) s = s.replace(/\./g, '').replace(',', '.');
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : NaN;
}
export function vnNumber(v) {
  return v === null || v === undefined ? '' : new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 6 }).format(v);
}
// dd/mm/yyyy <-> YYYY-MM-DD
export function toIso(text) {
  const m = String(text).trim().match(/^(\d{1,2})\/(\d{1,2})\/(\d{4})$/);
  if (!m) return null;
  const iso = `${m[3]}-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}`;
  const d = new Date(iso + 'T00:00:00Z');
  return !isNaN(d) && d.toISOString().slice(0, 10) === iso ? iso : null;
}
export const toVnDate = iso => (iso ? iso.slice(0, 10).split('-').reverse().join('/') : '');

// one labelled input; `value` is the stored value
export function fieldHtml(f, value) {
  const id = `ef-${f.name}`;
  const req = f.required ? ' required' : '';
  const u = f.unit ? ` <span class="unit">(${esc(unit(f))})</span>` : '';
  let input;
  if (f.choices.length) {
    input = `<select id="${id}" name="${f.name}"${req}><option value=""></option>${f.choices.map(c =>
      `<option value="${esc(c.value)}"${c.value === value ? ' selected' : ''}>${esc(lbl(c))}</option>`).join('')}</select>`;
  } else if (f.type === 'date') {
    input = `<input id="${id}" name="${f.name}" placeholder="dd/mm/yyyy" value="${esc(toVnDate(value))}" size="10"${req}>
      <input type="date" class="picker" data-for="${id}" value="${esc(value ? value.slice(0, 10) : '')}" aria-label="${esc(lbl(f))}">`;
  } else if (f.type === 'number' || f.type === 'integer') {
    input = `<input id="${id}" name="${f.name}" inputmode="decimal" value="${esc(vnNumber(value))}"${req}>`;
  } else if (f.type === 'text[]') {
    input = `<input id="${id}" name="${f.name}" value="${esc((value || []).join(', '))}"${req}>`;
  } else {
    input = `<input id="${id}" name="${f.name}" value="${esc(value ?? '')}"${req}>`;
  }
  return `<div class="frow" data-field="${f.name}"><label for="${id}">${esc(lbl(f))}${u}${f.required ? ' *' : ''}</label>
    ${input}<span class="field-error" data-for="${f.name}" role="alert"></span></div>`;
}

// date pickers write dd/mm/yyyy into their text input
export function wirePickers(root) {
  root.querySelectorAll('input.picker').forEach(p => p.addEventListener('change', () => {
    root.querySelector(`#${p.dataset.for}`).value = toVnDate(p.value);
  }));
}

// the value of a field's input, or {error}; undefined when empty and not required
export function readField(f, root, today) {
  const el = root.querySelector(`[name="${f.name}"]`);
  const raw = el.value.trim();
  if (raw === '') return f.required ? { error: tt('required') } : { value: null };
  if (f.type === 'date') {
    const iso = toIso(raw);
    if (!iso) return { error: tt('bad_date') };
    if (today && iso > today) return { error: tt('future') };
    return { value: iso };
  }
  if (f.type === 'number' || f.type === 'integer') {
    const n = parseNumber(raw);
    if (n === null || isNaN(n)) return { error: tt('bad_number') };
    if (f.type === 'integer') return Number.isInteger(n) ? { value: n } : { error: tt('bad_number') };
    return { value: raw };  // the server parses Vietnamese notation with the loader's rules
  }
  if (f.type === 'text[]') return { value: raw.split(',').map(s => s.trim()).filter(Boolean) };
  return { value: raw };
}

export function showErrors(root, errors, general) {
  root.querySelectorAll('.field-error').forEach(e => { e.textContent = ''; });
  for (const [name, msg] of Object.entries(errors)) {
    const el = root.querySelector(`.field-error[data-for="${name}"]`);
    if (el) el.textContent = msg; else general = (general ? general + '; ' : '') + `${name}: ${msg}`;
  }
  const g = root.querySelector('.form-error');
  if (g) g.textContent = general || '';
}

// a server error in the page's language: `description_vi` in Vietnamese, `description` in
// English; an error with no Vietnamese of its own (only the status's title) keeps its detail
export function errText(body) {
  if (!body) return '';
  if (state.lang === 'en' || !body.description_vi) return body.description;
  return body.description_vi === body.title_vi && body.description
    ? `${body.title_vi}: ${body.description}` : body.description_vi;
}

// the field a server message is about: its `field`/`parameter`, else a field it names
export function fieldOf(body, names) {
  if (body.field && names.includes(body.field)) return body.field;
  if (body.parameter && names.includes(body.parameter)) return body.parameter;
  const msg = body.description || '';
  return names.find(n => new RegExp(`(^|[^a-z_])'?${n}'?([^a-z_]|$)`).test(msg)) || null;
}

// every field's value: {errors: {name: message}, values: {name: value}}
export function readFields(fields, root, today = null) {
  const errors = {}, values = {};
  for (const f of fields) {
    const v = readField(f, root, today);
    if (v.error) errors[f.name] = v.error; else values[f.name] = v.value;
  }
  return { errors, values, ok: !Object.keys(errors).length };
}

// the one editing dialog, with this content
export function dialog(html) {
  let d = document.getElementById('edit-dialog');
  if (!d) { d = document.createElement('dialog'); d.id = 'edit-dialog'; document.body.append(d); }
  d.innerHTML = html;
  if (!d.open) d.showModal();
  d.querySelectorAll('[data-close]').forEach(b => b.addEventListener('click', () => d.close()));
  return d;
}
