// UI strings (Vietnamese first, English switch) and label helpers.
export const state = { lang: localStorage.getItem('maps.lang') || 'vi' };

const STRINGS = {
  vi: {
    app_title: 'Bản đồ kết cấu hạ tầng Cần Thơ', print: 'In bản đồ', search: 'Tìm theo tên',
    print_title: 'In bản đồ (PDF/PNG)', p_size: 'Khổ giấy', p_orientation: 'Hướng giấy',
    p_landscape: 'Ngang', p_portrait: 'Dọc', p_dpi: 'Độ phân giải', p_format: 'Định dạng',
    p_lang: 'Ngôn ngữ bản đồ', p_html: 'HTML (tương tác)',
    p_extent: 'Phạm vi', p_title: 'Tiêu đề', p_title_hint: 'để trống: tiêu đề mặc định',
    p_open: 'Mở bản đồ in', cancel: 'Hủy', p_district: name => `Quận/huyện đang chọn: ${name}`,
    p_no_district: 'Quận/huyện đang chọn (chưa chọn)', p_layers: 'Lớp', p_filters: 'Bộ lọc',
    p_date: 'Tiến độ đến ngày', p_none: 'không',
    district: 'Quận/huyện', all_city: 'Toàn thành phố', as_of: 'Tiến độ đến ngày',
    all: 'Tất cả',
    progress_range: 'Tiến độ (%)', include_unknown: 'gồm cả chưa rõ tiến độ',
    count: (n, m) => `Hiển thị ${n} / ${m} đối tượng`, none: 'Không có đối tượng nào phù hợp bộ lọc.',
    unlocated: n => `${n} chưa có vị trí`, legend: 'Chú giải', indicative: 'Vị trí minh họa (nét đứt)',
    indicative_note: 'Vị trí minh họa: số hóa thủ công từ mô tả trong văn bản, không phải đo đạc.',
    unknown_progress: 'Chưa rõ tiến độ', shade: 'Độ đậm theo tiến độ', progress: 'Tiến độ',
    no_progress: 'Chưa có số liệu tiến độ', as_of_date: 'ngày', source: 'nguồn', api: 'Xem trong API',
    lang_button: 'EN', no_location: 'Chưa có vị trí trên bản đồ',
    latest: 'số liệu mới nhất', loading: 'Đang tải…', error: 'Lỗi tải dữ liệu',
    no_record: 'không có bản ghi, không có nghĩa là chưa đạt',
    tiled_note: 'Lớp lớn: tải theo ô bản đồ (vector tiles), chú giải theo vùng đang xem',
    none_here: 'Không có đối tượng nào',
    tiled_count: n => `${n} đối tượng trong lớp tải theo ô`,
  },
  en: {
    app_title: 'Cần Thơ infrastructure map', print: 'Print map', search: 'Search by name',
    print_title: 'Print map (PDF/PNG)', p_size: 'Paper size', p_orientation: 'Orientation',
    p_landscape: 'Landscape', p_portrait: 'Portrait', p_dpi: 'Resolution', p_format: 'Format',
    p_lang: 'Map language', p_html: 'HTML (interactive)',
    p_extent: 'Extent', p_title: 'Title', p_title_hint: 'empty: the default title',
    p_open: 'Open printed map', cancel: 'Cancel', p_district: name => `Current district: ${name}`,
    p_no_district: 'Current district (none chosen)', p_layers: 'Layers', p_filters: 'Filters',
    p_date: 'Progress as of', p_none: 'none',
    district: 'District', all_city: 'Whole city', as_of: 'Progress as of',
    all: 'All',
    progress_range: 'Progress (%)', include_unknown: 'include unknown progress',
    count: (n, m) => `Showing ${n} of ${m} features`, none: 'No features match the filters.',
    unlocated: n => `${n} without location`, legend: 'Legend', indicative: 'Indicative location (dashed)',
    indicative_note: 'Indicative location: hand-digitised from the text, not surveyed.',
    unknown_progress: 'Progress unknown', shade: 'Shade by progress', progress: 'Progress',
    no_progress: 'No progress figures', as_of_date: 'as of', source: 'source', api: 'Open in the API',
    lang_button: 'VI', no_location: 'No location on the map',
    latest: 'latest figures', loading: 'Loading…', error: 'Could not load data',
    no_record: 'no record; not the same as "not achieved"',
    tiled_note: 'Large layer: drawn from vector tiles; legend for the area in view',
    none_here: 'No features',
    tiled_count: n => `${n} features in tiled layers`,
  },
};

export function t(key, ...args) {
  const s = STRINGS[state.lang][key] ?? STRINGS.vi[key] ?? key;
  return typeof s === 'function' ? s(...args) : s;
}

export function lbl(obj, base = 'label') {
  if (!obj) return '';
  return (state.lang === 'en' && obj[`${base}_en`]) || obj[`${base}_vi`] || '';
}

export function fmt(value, digits) {
  if (value === null || value === undefined) return '—';
  const o = digits === undefined ? { maximumFractionDigits: 3 } : { maximumFractionDigits: digits };
  return new Intl.NumberFormat(state.lang === 'en' ? 'en-GB' : 'vi-VN', o).format(value);
}

export function fmtDate(iso) {
  if (!iso) return '—';
  const [y, m, d] = iso.slice(0, 10).split('-');
  return state.lang === 'en' ? `${y}-${m}-${d}` : `${d}/${m}/${y}`;
}

export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

export function applyStatic() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll('[data-i18n]').forEach(el => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll('[data-i18n-placeholder]').forEach(el => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  const b = document.getElementById('lang');
  if (b) b.textContent = t('lang_button');
}

// A unit in the page's language: `obj` is a field or metric of the config (unit, unit_en).
export function unit(obj) {
  if (!obj || !obj.unit) return '';
  return state.lang === 'en' ? (obj.unit_en || obj.unit) : obj.unit;
}
