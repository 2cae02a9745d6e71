// UI strings (Vietnamese first, English switch) and label helpers.
export const state = { lang: localStorage.getItem('maps.lang') || 'vi' };

const STRINGS = {
  vi: {
    app_title: 'Bản đồ kết cấu hạ tầng Cần Thơ', print: 'In bản đồ', search: 'Tìm theo tên',
    print_title: 'In bản đồ (PDF/PNG)', p_layout: 'Mẫu trang (khổ, hướng giấy)',
    p_dpi: 'Độ phân giải', p_format: 'Định dạng',
    p_metric: 'Phân cấp tiến độ theo', p_metric_help: 'Chỉ các chỉ số của lớp đang hiển thị; chú giải ghi chỉ số và ngày.',
    p_agency: 'Cơ quan (đầu trang)', p_number: 'Số hiệu bản đồ', p_number_hint: 'vd. 03/BĐ-SXD',
    p_author: 'Người lập', p_logo: 'Logo (tùy chọn)',
    p_logo_help: kb => `PNG hoặc JPEG, tối đa ${kb} KB; chỉ dùng cho lần in này, không lưu lại.`,
    p_logo_type: 'Logo phải là ảnh PNG hoặc JPEG.', p_logo_big: kb => `Logo quá lớn: tối đa ${kb} KB.`,
    p_logo_html: 'Bản đồ HTML không có logo.',
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
    period_point: 'tại thời điểm', period_year: y => `năm ${y}`,
    period_multi_year: (a, b) => `giai đoạn ${a}–${b}`, period_cumulative: 'lũy kế',
    period_since: y => ` từ ${y}`, period_until: y => ` đến ${y}`,
    decisions: 'Quyết định, mốc thực hiện', differs: 'văn bản khác ghi',
    derived: 'tính lại từ số liệu in, không phải số in', contradicted: 'có giá trị mâu thuẫn, xem dưới',
    filters_button: 'Bộ lọc', search_hint: 'vd. cai rang, QL91, KCN Trà Nóc', ward: 'Phường/xã',
    found: n => `${n} kết quả`, not_found: q => `Không tìm thấy “${q}”. Bản đồ giữ nguyên.`,
    line: 'dòng', history: 'Lịch sử số liệu', attr: 'Bảng thuộc tính', attr_layer: 'Lớp',
    export_csv: 'Xuất CSV (đang hiển thị)', name: 'Tên', filter_column: 'Lọc cột',
    rows: (n, m) => `${n} / ${m} dòng`,
    sp_title: 'Hỏi theo không gian', sp_draw: 'Vẽ vùng trên bản đồ', sp_ward: 'Trong phường/xã',
    sp_near: 'Gần đối tượng', sp_go: 'Tìm', sp_near_none: '(mở một đối tượng trên bản đồ trước)',
    sp_clear: 'Bỏ lọc không gian', sp_finish: n => `Xong (${n} điểm)`, sp_polygon: 'Trong vùng vẽ',
    sp_draw_help: 'Bấm lên bản đồ để đặt các đỉnh; bấm đúp hoặc "Xong" để kết thúc, Esc để hủy.',
    sp_too_few: 'Cần ít nhất 3 điểm.', sp_found: n => `${n} đối tượng`,
    sp_near_label: (d, name) => `Trong ${d} m quanh ${name}`,
    close: 'Đóng', metric: 'Chỉ số tiến độ', metric_shading: 'Theo màu tô của lớp',
    metric_shading_help: 'Mỗi lớp dùng chỉ số tô màu đầu tiên nó có. Chọn một chỉ số để lọc đúng theo chỉ số đó.',
  },
  en: {
    app_title: 'Cần Thơ infrastructure map', print: 'Print map', search: 'Search by name',
    print_title: 'Print map (PDF/PNG)', p_layout: 'Page layout (size, orientation)',
    p_dpi: 'Resolution', p_format: 'Format',
    p_metric: 'Progress classes by', p_metric_help: 'Only metrics of the layers shown; the legend names the metric and date.',
    p_agency: 'Agency (header)', p_number: 'Map number', p_number_hint: 'e.g. 03/BĐ-SXD',
    p_author: 'Author', p_logo: 'Logo (optional)',
    p_logo_help: kb => `PNG or JPEG, at most ${kb} KB; used for this print only, not kept.`,
    p_logo_type: 'The logo must be a PNG or JPEG image.', p_logo_big: kb => `Logo too large: at most ${kb} KB.`,
    p_logo_html: 'HTML maps carry no logo.',
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
    period_point: 'at a point in time', period_year: y => `year ${y}`,
    period_multi_year: (a, b) => `${a}–${b}`, period_cumulative: 'cumulative',
    period_since: y => ` since ${y}`, period_until: y => ` to ${y}`,
    decisions: 'Decisions and milestones', differs: 'another document cites',
    derived: 'recomputed from printed figures, not printed', contradicted: 'contradicted, see below',
    filters_button: 'Filters', search_hint: 'e.g. cai rang, QL91, KCN Trà Nóc', ward: 'Ward/commune',
    found: n => `${n} results`, not_found: q => `Nothing found for “${q}”. The map is unchanged.`,
    line: 'line', history: 'Figure history', attr: 'Attribute table', attr_layer: 'Layer',
    export_csv: 'Export CSV (as shown)', name: 'Name', filter_column: 'Filter column',
    rows: (n, m) => `${n} of ${m} rows`,
    sp_title: 'Spatial questions', sp_draw: 'Draw an area on the map', sp_ward: 'In ward/commune',
    sp_near: 'Near the feature', sp_go: 'Find', sp_near_none: '(open a feature on the map first)',
    sp_clear: 'Clear the spatial filter', sp_finish: n => `Done (${n} points)`, sp_polygon: 'In the drawn area',
    sp_draw_help: 'Click the map to place corners; double-click or "Done" to finish, Esc to cancel.',
    sp_too_few: 'At least 3 points are needed.', sp_found: n => `${n} features`,
    sp_near_label: (d, name) => `Within ${d} m of ${name}`,
    close: 'Close', metric: 'Progress metric', metric_shading: 'As the layer is shaded',
    metric_shading_help: 'Each layer uses the first shading metric it has. Choose one metric to filter by it alone.',
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

// A stored text in the page's language: `obj[base]` is Vietnamese (or the one language it
// was written in), `obj[base + '_en']` its English where both are kept (a conflict's note).
export function textIn(obj, base) {
  if (!obj) return '';
  return (state.lang === 'en' && obj[`${base}_en`]) || obj[base] || '';
}
