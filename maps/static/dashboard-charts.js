// Charts of the indicator series (Chart.js, served from node_modules): the resolution's
// target as bars (a range "a-b" from a to b, as printed), the other kinds (plan, actual,
// estimate) as lines; labels in the page's language, Vietnamese numbers.
(function () {
  // the "PDF" button prints the page (no inline handler: the CSP allows none)
  const print = document.getElementById('print-page');
  if (print) print.addEventListener('click', () => window.print());
  if (!window.Chart) return;
  const kinds = window.DASH_KINDS || [];
  const colours = { target: '#e57373', plan: '#ff9800', actual: '#1565c0', estimate: '#43a047' };
  const lang = () => document.documentElement.lang === 'en' ? 'en' : 'vi';
  const charts = [];
  function draw() {
    charts.splice(0).forEach(c => c.destroy());
    const nf = new Intl.NumberFormat(lang() === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: 3 });
    document.querySelectorAll('canvas[data-series]').forEach(cv => {
      const pts = JSON.parse(cv.dataset.series);
      const years = [...new Set(pts.map(p => p.year))].sort();
      const at = (y, k) => pts.find(q => q.year === y && q.kind === k);
      const datasets = kinds.filter(k => pts.some(p => p.kind === k.value)).map(k => {
        const bar = k.value === 'target';
        return {
          type: bar ? 'bar' : 'line', order: bar ? 2 : 1,
          label: lang() === 'en' ? k.label_en : k.label_vi,
          data: years.map(y => { const p = at(y, k.value); if (!p) return null; return bar ? [p.low, p.high === p.low ? p.high + Math.abs(p.high) * 0.002 + 1e-9 : p.high] : p.low; }),
          texts: years.map(y => (at(y, k.value) || {}).text),
          borderColor: colours[k.value], backgroundColor: colours[k.value], spanGaps: true,
        };
      });
      charts.push(new Chart(cv, {
        data: { labels: years, datasets },
        options: { animation: false, responsive: true,
          scales: { y: { ticks: { callback: v => nf.format(v) } } },
          plugins: { tooltip: { callbacks: { label: c => `${c.dataset.label}: ${c.dataset.texts[c.dataIndex] ?? ''}` } } } },
      }));
    });
    document.body.dataset.charts = String(charts.length);
  }
  draw();
  document.addEventListener('langchange', draw);
})();
