/* Data screen: poll the live snapshot every 2 s and update figures and ECharts charts in place. */
(function () {
  "use strict";
  var root = document.getElementById("screen");
  if (!root) { return; }
  var L = JSON.parse(document.getElementById("screen-labels").textContent);
  var dark = document.body.classList.contains("bigscreen");
  var ink = dark ? "#e8ecf5" : "#222";
  var grid = dark ? "#232c4d" : "#eee";
  var size = dark ? 16 : 12; // readable from across the room on the big screen
  var charts = {};
  var lastOk = null;

  function chart(id) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return null; }
    if (!charts[id]) { charts[id] = window.echarts.init(el, null, { renderer: "canvas" }); }
    return charts[id];
  }
  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });

  // Figures arrive formatted (d.display, from core/formatting.py): this script has no formatting rule.
  function setFig(key, value) {
    root.querySelectorAll('[data-fig="' + key + '"]').forEach(function (el) { el.textContent = value; });
  }
  function axisStyle() {
    return { axisLabel: { color: ink, fontSize: size }, axisLine: { lineStyle: { color: grid } }, splitLine: { lineStyle: { color: grid } } };
  }

  function drawCurve(d) {
    var c = chart("chart-curve");
    if (!c || !d.curve) { return; }
    var minutes = d.curve.minutes.map(String);
    var first = d.curve.minutes.length ? d.curve.minutes[0] : 0;
    var last = d.curve.minutes.length ? d.curve.minutes[d.curve.minutes.length - 1] : 0;
    var bands = [];
    (d.segments || []).forEach(function (s) {
      var from = Math.max(s.start_minute, first), to = Math.min(s.end_minute - 1, last);
      if (to < from) { return; }
      var on = s.id === d.current_segment;
      bands.push([{ name: s.title, xAxis: String(from), itemStyle: { color: on ? "rgba(200,22,29,0.14)" : "rgba(120,120,160,0.07)" },
                    label: { color: on ? "#c8161d" : ink, fontWeight: on ? "bold" : "normal" } },
                  { xAxis: String(to) }]);
    });
    var marks = d.now_minute !== null && d.now_minute !== undefined && d.now_minute <= last ? [{ xAxis: String(d.now_minute), name: L.on_air }] : [];
    c.setOption({
      animation: false,
      textStyle: { color: ink },
      tooltip: { trigger: "axis" },
      legend: { top: 0, right: 0, data: [L.concurrent, L.views], textStyle: { color: ink, fontSize: size } },
      grid: { left: 48, right: 40, top: 40, bottom: 28 },
      xAxis: Object.assign({ type: "category", data: minutes, name: L.minute, nameTextStyle: { color: ink } }, axisStyle()),
      yAxis: Object.assign({ type: "value", minInterval: 1 }, axisStyle()),
      series: [
        { name: L.concurrent, type: "line", showSymbol: minutes.length < 3, symbolSize: 10, connectNulls: true, data: d.curve.concurrent, lineStyle: { width: 3, color: "#c8161d" }, itemStyle: { color: "#c8161d" },
          areaStyle: { color: "rgba(200,22,29,0.12)" }, markArea: { silent: true, data: bands, label: { position: "insideTop" } },
          markLine: { silent: true, symbol: "none", data: marks, lineStyle: { color: "#f0a040" }, label: { formatter: L.on_air, color: "#f0a040" } } },
        { name: L.views, type: "bar", data: d.curve.views, itemStyle: { color: dark ? "#4d6fd6" : "#8aa4e8" } }
      ]
    }, { notMerge: true });
  }

  function drawBars(id, rows, name, valueKey, textKey) {
    var c = chart(id);
    if (!c) { return; }
    var names = rows.map(function (r) { return r.title || r.name || L.no_segment; }).reverse();
    var values = rows.map(function (r) { return Number(r[valueKey]); }).reverse();
    var texts = rows.map(function (r) { return textKey ? r[textKey] : String(r[valueKey]); }).reverse();
    c.setOption({
      animation: false,
      textStyle: { color: ink },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      xAxis: Object.assign({ type: "value", minInterval: 1 }, axisStyle()),
      yAxis: Object.assign({ type: "category", data: names, axisLabel: { color: ink, fontSize: size, width: dark ? 220 : 140, overflow: "truncate" } }),
      series: [{ name: name, type: "bar", data: values, itemStyle: { color: "#c8161d" }, label: { show: true, position: "right", color: ink, fontSize: size, formatter: function (p) { return texts[p.dataIndex]; } } }],
      graphic: rows.length ? [] : [{ type: "text", left: "center", top: "middle", style: { text: L.empty, fill: ink, fontSize: 16 } }]
    }, { notMerge: true });
  }

  function drawFunnel(steps) {
    var c = chart("chart-funnel");
    if (!c || !steps) { return; }
    var names = { views: L.views, product_clicks: L.product_clicks, orders: L.orders };
    c.setOption({
      animation: false,
      tooltip: { trigger: "item" },
      series: [{ type: "funnel", left: "10%", width: "80%", sort: "none", minSize: "8%", gap: 2,
                 label: { show: true, position: "inside", color: "#fff", fontSize: size, formatter: "{b}  {c}" },
                 data: steps.map(function (s, i) { return { name: names[s.step] || s.step, value: s.value, itemStyle: { color: ["#8aa4e8", "#f0a040", "#c8161d"][i] } }; }) }]
    });
  }

  function segTitle(d, id) {
    var s = (d.segments || []).filter(function (x) { return x.id === id; })[0];
    return s ? s.title : "—";
  }

  function render(d) {
    var degraded = d.counters !== "ok";
    document.getElementById("degraded").hidden = !degraded;
    root.classList.toggle("is-degraded", degraded);
    var badge = root.querySelector("[data-testid=status]");
    if (badge && d.status_label) { badge.textContent = d.status_label; badge.className = "badge status-" + d.status; }
    document.getElementById("seg-now").textContent = segTitle(d, d.current_segment);
    document.getElementById("seg-next").textContent = segTitle(d, d.next_segment);
    if (!degraded) {
      lastOk = d;
      Object.keys(d.display).forEach(function (k) { setFig(k, d.display[k]); });
      drawCurve(d);
    }
    // Keep the last good figures but show they are stale rather than dropping to zero.
    root.querySelectorAll(".tiles b").forEach(function (el) {
      var k = el.getAttribute("data-fig");
      el.classList.toggle("stale", degraded && k !== "applications" && k !== "apply_rate");
    });
    if (d.fair) {
      setFig("applications", d.display.applications);
      drawBars("chart-top", d.fair.top_jobs, L.applications, "applications");
      drawBars("chart-segments", d.fair.per_segment, L.applications, "applications");
    }
    if (d.sales) {
      drawBars("chart-top", d.sales.top_products, L.gmv, "gmv_net", "gmv_net_text");
      if (!degraded) { drawFunnel(d.sales.funnel); }
    }
    document.getElementById("as-of").textContent = new Date(d.as_of).toLocaleTimeString();
  }

  var busy = false;
  function tick() {
    if (busy) { return; }
    busy = true;
    fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(render)
      .catch(function () { document.getElementById("degraded").hidden = false; })
      .then(function () { busy = false; });
  }
  var fs = document.getElementById("fullscreen");
  if (fs) {
    fs.addEventListener("click", function () {
      if (document.fullscreenElement) { document.exitFullscreen(); } else if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen(); }
    });
  }
  tick();
  setInterval(tick, 2000);
})();
