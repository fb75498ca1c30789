/* Tiny SVG charts: <div class="chart" data-chart='{"type":"bar","labels":[...],"values":[...],"format":"usd"}'>. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";

  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function niceMax(v) {
    if (v <= 0) return 1;
    var exp = Math.pow(10, Math.floor(Math.log10(v)));
    var f = v / exp;
    var nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
    return nice * exp;
  }

  function formatter(kind, prefix) {
    return function (v) {
      var abs = Math.abs(v);
      var s;
      if (abs >= 1e9) s = (v / 1e9).toFixed(1).replace(/\.0$/, "") + "B";
      else if (abs >= 1e6) s = (v / 1e6).toFixed(1).replace(/\.0$/, "") + "M";
      else if (abs >= 1e3) s = (v / 1e3).toFixed(1).replace(/\.0$/, "") + "k";
      else if (abs > 0 && abs < 1) s = String(Number(v.toPrecision(2)));
      else s = (Math.round(v * 100) / 100).toString();
      return (kind === "usd" ? (prefix || "$") : "") + s;
    };
  }

  function draw(box) {
    var spec;
    try { spec = JSON.parse(box.getAttribute("data-chart")); } catch (e) { return; }
    var labels = spec.labels || [], values = spec.values || [];
    box.innerHTML = "";
    if (!values.length || values.every(function (v) { return !v; })) {
      var empty = document.createElement("div");
      empty.className = "chart-empty";
      empty.textContent = spec.empty || "No data";
      box.appendChild(empty);
      return;
    }
    var W = box.clientWidth || 600, H = box.clientHeight || 240;
    var pad = { l: 56, r: 12, t: 12, b: 28 };
    var iw = W - pad.l - pad.r, ih = H - pad.t - pad.b;
    var max = niceMax(Math.max.apply(null, values));
    var fmt = formatter(spec.format, spec.prefix);
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": spec.title || "chart" });
    for (var i = 0; i <= 4; i++) {
      var y = pad.t + ih - (ih * i) / 4;
      svg.appendChild(el("line", { x1: pad.l, x2: W - pad.r, y1: y, y2: y, "class": i ? "grid-line" : "axis" }));
      svg.appendChild(el("text", { x: pad.l - 8, y: y + 4, "text-anchor": "end" }, fmt((max * i) / 4)));
    }
    var n = values.length, step = iw / n;
    var every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(iw / 70))));
    labels.forEach(function (label, idx) {
      if (idx % every) return;
      svg.appendChild(el("text", { x: pad.l + step * idx + step / 2, y: H - 8, "text-anchor": "middle" }, label));
    });
    if (spec.type === "line") {
      var pts = values.map(function (v, idx) {
        return [pad.l + step * idx + step / 2, pad.t + ih - (ih * v) / max];
      });
      var path = pts.map(function (p, idx) { return (idx ? "L" : "M") + p[0].toFixed(1) + " " + p[1].toFixed(1); }).join(" ");
      svg.appendChild(el("path", { d: path + " L" + pts[n - 1][0].toFixed(1) + " " + (pad.t + ih) + " L" + pts[0][0].toFixed(1) + " " + (pad.t + ih) + " Z", "class": "area" }));
      svg.appendChild(el("path", { d: path, "class": "line" }));
      pts.forEach(function (p, idx) {
        var dot = el("circle", { cx: p[0], cy: p[1], r: n > 40 ? 1.5 : 3, "class": "dot" });
        dot.appendChild(el("title", {}, labels[idx] + ": " + fmt(values[idx])));
        svg.appendChild(dot);
      });
    } else {
      var bw = Math.max(2, Math.min(42, step * 0.68));
      values.forEach(function (v, idx) {
        var h = (ih * v) / max;
        var rect = el("rect", { x: pad.l + step * idx + (step - bw) / 2, y: pad.t + ih - h, width: bw, height: Math.max(0, h), rx: 3, "class": "bar" });
        rect.appendChild(el("title", {}, labels[idx] + ": " + fmt(v)));
        svg.appendChild(rect);
      });
    }
    box.appendChild(svg);
  }

  function drawAll() { document.querySelectorAll(".chart[data-chart]").forEach(draw); }
  document.addEventListener("DOMContentLoaded", drawAll);
  var timer;
  window.addEventListener("resize", function () { clearTimeout(timer); timer = setTimeout(drawAll, 150); });
  window.oneapiDrawChart = draw;
})();
