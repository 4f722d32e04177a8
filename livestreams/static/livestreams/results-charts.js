/* Results and series charts: each [data-spec] element names a JSON spec (line / bar / hbar) rendered
   with the vendored ECharts. The same figures are in the tables below each chart. */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var palette = ["#c8161d", "#2471a3", "#28b463", "#b7950b", "#7d3c98", "#ca6f1e"];
  var made = [];
  // Money specs carry their labels formatted by core/formatting.py (series.texts): no rule here.
  function texts(s) { return function (v, i) { return s.texts && i !== undefined ? s.texts[i] : String(v); }; }
  function option(spec) {
    var base = { animation: false, color: palette, tooltip: { trigger: "axis" },
                 legend: { top: 0, right: 0, show: spec.series.length > 1 } };
    if (spec.type === "hbar") {
      // Category labels wrap inside a fixed width and the grid grows to hold them (containLabel).
      return Object.assign(base, {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: spec.money ? texts(spec.series[0]) : null },
        grid: { left: 8, right: 64, top: spec.series.length > 1 ? 28 : 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", minInterval: spec.money ? 0 : 1 },
        yAxis: { type: "category", inverse: true, data: spec.labels, axisLabel: { width: 180, overflow: "break", lineHeight: 16 } },
        series: spec.series.map(function (s) {
          return { name: s.name, type: "bar", data: s.data,
                   label: { show: true, position: "right", formatter: spec.money ? function (p) { return texts(s)(p.value, p.dataIndex); } : "{c}" } };
        })
      });
    }
    var x = spec.x.map(String);
    var bands = (spec.bands || []).filter(function (b) { return b[1] > b[0]; }).map(function (b) {
      var last = x.length ? Number(x[x.length - 1]) : 0;
      return [{ name: b[2], xAxis: String(Math.min(b[0], last)) }, { xAxis: String(Math.min(b[1] - 1, last)) }];
    });
    return Object.assign(base, {
      grid: { left: 48, right: 24, top: 36, bottom: 28 },
      xAxis: { type: "category", data: x, name: spec.x_name },
      yAxis: { type: "value", minInterval: 1 },
      series: spec.series.map(function (s, i) {
        var out = { name: s.name, type: spec.type === "line" ? "line" : "bar", data: s.data, showSymbol: false };
        if (i === 0 && bands.length) {
          out.markArea = { silent: true, itemStyle: { color: "rgba(120,120,160,0.10)" }, label: { position: "insideTop", color: "#444" }, data: bands };
        }
        return out;
      })
    });
  }
  document.querySelectorAll("[data-spec]").forEach(function (el) {
    var spec = JSON.parse(document.getElementById(el.dataset.spec).textContent);
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option(spec));
    made.push(chart);
  });
  window.addEventListener("resize", function () { made.forEach(function (c) { c.resize(); }); });
})();
