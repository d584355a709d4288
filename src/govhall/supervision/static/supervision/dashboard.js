/* Supervision dashboard charts: ECharts (vendored, served by the app) fed by trends.json.
   The tables beside the charts hold the same numbers and work without JavaScript. */
(function () {
  "use strict";

  var COLOURS = { received: "#0b57d0", concluded: "#1a7f37", overdue: "#b3261e" };

  function drawTrend(el, data) {
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      aria: { enabled: true },
      tooltip: { trigger: "axis" },
      legend: { data: ["收件", "办结", "超期"], top: 0 },
      grid: { left: 48, right: 40, top: 48, bottom: 32 },
      xAxis: { type: "category", data: data.weeks.map(function (w) { return w.slice(5); }), name: "周" },
      yAxis: { type: "value", name: "件", minInterval: 1 },
      series: [
        { name: "收件", type: "line", data: data.received, itemStyle: { color: COLOURS.received } },
        { name: "办结", type: "line", data: data.concluded, itemStyle: { color: COLOURS.concluded } },
        { name: "超期", type: "bar", data: data.overdue, itemStyle: { color: COLOURS.overdue } }
      ]
    });
    return chart;
  }

  function drawRanking(el, data) {
    var rows = data.ranking.slice().reverse(); // best at the top of a horizontal bar chart
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      aria: { enabled: true },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
      grid: { left: 120, right: 40, top: 16, bottom: 24 },
      xAxis: { type: "value", max: 100, name: "%" },
      yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
      series: [{ name: "按时办结率", type: "bar", data: rows.map(function (r) { return r.on_time_rate; }),
                 itemStyle: { color: COLOURS.concluded }, label: { show: true, position: "right", formatter: "{c}%" } }]
    });
    return chart;
  }

  function start() {
    var trend = document.getElementById("trend-chart");
    var ranking = document.getElementById("ranking-chart");
    if (!trend || !window.echarts) {
      return;
    }
    var message = trend.querySelector(".sv-nojs");
    fetch(trend.getAttribute("data-src"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        if (message) { message.remove(); }
        var charts = [drawTrend(trend, data)];
        if (ranking && data.ranking.length) {
          ranking.hidden = false; // shown before drawing: ECharts measures its container
          charts.push(drawRanking(ranking, data));
        }
        var details = document.getElementById("trend-details");
        if (details) { details.open = false; } // the chart shows it; the table stays one click away
        window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
        trend.setAttribute("data-drawn", "true");
      })
      .catch(function () {
        if (message) { message.textContent = "图表加载失败，数据见下表。"; }
      });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
