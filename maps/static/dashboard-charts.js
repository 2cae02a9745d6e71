// Charts of the indicator series (Chart.js, served from node_modules): one line per kind
// (target, plan, actual, estimate), labels in the page's language, Vietnamese numbers.
(function () {
  if (!window.Chart) return;
  const kinds = window.DASH_KINDS || [];
  const colours = { target: '#c62828', plan: '#ff9800', actual: '#1565c0', estimate: '#43a047' };
  const lang = () => document.documentElement.lang === 'en' ? 'en' : 'vi';
  const charts = [];
  function draw() {
    charts.splice(0).forEach(c => c.destroy());
    document.querySelectorAll('canvas[data-series]').forEach(cv => {
      const pts = JSON.parse(cv.dataset.series);
      const years = [...new Set(pts.map(p => p.year))].sort();
      const datasets = kinds.filter(k => pts.some(p => p.kind === k.value)).map(k => ({
        label: lang() === 'en' ? k.label_en : k.label_vi,
        data: years.map(y => { const p = pts.find(q => q.year === y && q.kind === k.value); return p ? p.value : null; }),
        borderColor: colours[k.value], backgroundColor: colours[k.value], spanGaps: true,
      }));
      const nf = new Intl.NumberFormat(lang() === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: 3 });
      charts.push(new Chart(cv, {
        type: 'line', data: { labels: years, datasets },
        options: { animation: false, responsive: true, locale: lang() === 'en' ? 'en-GB' : 'vi-VN',
          scales: { y: { ticks: { callback: v => nf.format(v) } } },
          plugins: { tooltip: { callbacks: { label: c => `${c.dataset.label}: ${nf.format(c.parsed.y)}` } } } },
      }));
    });
    document.body.dataset.charts = String(charts.length);
  }
  draw();
  document.addEventListener('langchange', draw);
})();
