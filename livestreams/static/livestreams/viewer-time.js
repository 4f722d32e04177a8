// Adds the viewer's own clock under the session's time when the viewer is in another time zone.
(function () {
  var time = document.querySelector('[data-testid="local-time"] time');
  var out = document.querySelector('[data-testid="viewer-time"]');
  if (!time || !out || !window.Intl) return;
  var viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var start = new Date(time.getAttribute("datetime"));
  var end = new Date(time.getAttribute("data-end"));
  var fmt = function (d, zone) {
    return new Intl.DateTimeFormat("en-CA", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).format(d).replace(",", "");
  };
  if (fmt(start, viewerZone) === fmt(start, time.getAttribute("data-zone"))) return;
  var lang = document.documentElement.lang || "zh-hans";
  var label = lang.indexOf("zh") === 0 ? "你所在时区" : "Your time";
  out.textContent = label + " (" + viewerZone + "): " + fmt(start, viewerZone) + "–" + fmt(end, viewerZone).slice(-5);
  out.hidden = false;
})();
