/*
 * The course book's interactive figures, drawn with Plotly from the data embedded in the page
 * (book/_ext/interactive_figures.py writes it; book/_ext/figure_data.py computes it with nnlib
 * when the book is built). Moving a control redraws both panels of its figure; nothing is
 * fetched and no kernel runs.
 */
(function () {
  "use strict";

  var BLUE = "#1f77b4";
  var ORANGE = "#ff7f0e";
  var RED = "#c0392b";
  var GREY = "#999999";
  var CONFIG = { displayModeBar: false, responsive: true };

  function layout(extra) {
    var base = {
      margin: { l: 56, r: 12, t: 36, b: 48 },
      font: { size: 13 },
      height: 300,
      showlegend: false,
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "#ffffff",
      hovermode: false,
    };
    Object.keys(extra).forEach(function (key) {
      base[key] = extra[key];
    });
    return base;
  }

  function axis(title, extra) {
    var result = { title: { text: title }, zeroline: false, gridcolor: "#e5e5e5" };
    Object.keys(extra || {}).forEach(function (key) {
      result[key] = extra[key];
    });
    return result;
  }

  function line(x, y, color, extra) {
    var trace = { x: x, y: y, mode: "lines", line: { color: color, width: 2 } };
    Object.keys(extra || {}).forEach(function (key) {
      trace[key] = extra[key];
    });
    return trace;
  }

  function dot(x, y, color) {
    return { x: [x], y: [y], mode: "markers", marker: { color: color, size: 11 } };
  }

  function decode(text) {
    var bytes = atob(text);
    var out = new Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) {
      out[i] = bytes.charCodeAt(i) / 255;
    }
    return out;
  }

  function rows(values, width) {
    var out = [];
    for (var start = 0; start < values.length; start += width) {
      out.push(values.slice(start, start + width));
    }
    return out;
  }

  // Each figure: (data, values of the controls) -> two panels, a readout, the controls' values.
  var FIGURES = {
    "activation-slope": function (data, values) {
      var f = data.functions[values.activation];
      var i = Number(values.z);
      var z = data.z[i];
      var a = f.value[i];
      var slope = f.slope[i];
      var reach = 1.6;
      var tangent = line([z - reach, z + reach], [a - reach * slope, a + reach * slope], RED, {
        line: { color: RED, width: 2, dash: "dash" },
      });
      var verdict = slope < 0.02 ? ": the unit is saturated, almost no gradient passes" : "";
      return {
        panels: [
          {
            traces: [line(data.z, f.value, BLUE), tangent, dot(z, a, RED)],
            layout: layout({
              title: { text: "activation and its tangent at z" },
              xaxis: axis("z", { range: [-5, 5] }),
              yaxis: axis("\u03c6(z)", { range: [-1.3, 2.3] }),
            }),
          },
          {
            traces: [line(data.z, f.slope, BLUE), dot(z, slope, RED)],
            layout: layout({
              title: { text: "its derivative, the slope" },
              xaxis: axis("z", { range: [-5, 5] }),
              yaxis: axis("\u03c6\u2032(z)", { range: [-0.08, 1.12] }),
            }),
          },
        ],
        readout:
          values.activation + " at z = " + z.toFixed(2) + ": \u03c6(z) = " + a.toFixed(3) +
          ", slope \u03c6\u2032(z) = " + slope.toFixed(3) + verdict,
        outputs: { z: z.toFixed(2) },
      };
    },

    "learning-rate": function (data, values) {
      var k = Number(values.rate);
      var rate = data.rates[k];
      var path = data.paths[k];
      var losses = data.losses[k];
      var steps = losses.map(function (_, i) {
        return i;
      });
      // contours of the loss's logarithm: evenly spaced levels from the minimum up
      var surface = {
        type: "contour",
        x: data.w1,
        y: data.w2,
        z: data.surface.map(function (row) {
          return row.map(Math.log10);
        }),
        contours: { coloring: "lines", start: -0.78, end: 0.6, size: 0.08 },
        colorscale: [[0, "#bbbbbb"], [1, "#bbbbbb"]],
        showscale: false,
        line: { width: 1 },
      };
      var walk = {
        x: path.map(function (p) { return p[0]; }),
        y: path.map(function (p) { return p[1]; }),
        mode: "lines+markers",
        line: { color: RED, width: 1.5 },
        marker: { color: RED, size: 5 },
      };
      var last = losses[losses.length - 1];
      var lowest = Math.min.apply(null, [].concat.apply([], data.losses));
      return {
        panels: [
          {
            traces: [surface, walk, dot(path[0][0], path[0][1], "#000000")],
            layout: layout({
              title: { text: "40 steps on the loss surface" },
              xaxis: axis("w\u2081", { range: [-2, 7] }),
              yaxis: axis("w\u2082", { range: [-1, 5] }),
            }),
          },
          {
            traces: [line(steps, losses, RED, { mode: "lines+markers", marker: { size: 4 } })],
            layout: layout({
              title: { text: "loss after each step" },
              xaxis: axis("step", { range: [0, steps.length - 1] }),
              yaxis: axis("loss", {
                type: "log",
                range: [Math.log10(0.15), Math.log10(12)],
                tickvals: [0.2, 0.5, 1, 2, 5, 10],
              }),
            }),
          },
        ],
        readout:
          "learning rate \u03b7 = " + rate.toPrecision(3) + ": the first step takes the loss from " +
          losses[0].toFixed(3) + " to " + losses[1].toFixed(3) + ", and after 40 steps it is " +
          last.toFixed(3) + " (the lowest any rate reaches is " + lowest.toFixed(3) + ")",
        outputs: { rate: rate.toPrecision(3) },
      };
    },

    "boundary-over-epochs": function (data, values) {
      var epoch = Number(values.epoch);
      var n = data.axis.length;
      var probs = rows(decode(data.planes[epoch]), n);
      var heat = {
        type: "heatmap",
        x: data.axis,
        y: data.axis,
        z: probs,
        zmin: 0,
        zmax: 1,
        colorscale: [[0, "#6fa8dc"], [0.5, "#f7f7f7"], [1, "#f6b26b"]],
        showscale: false,
      };
      var boundary = {
        type: "contour",
        x: data.axis,
        y: data.axis,
        z: probs,
        contours: { coloring: "none", start: 0.5, end: 0.5, size: 1 },
        line: { color: "#000000", width: 2 },
        showscale: false,
      };
      var points = [0, 1].map(function (label) {
        var chosen = data.points.filter(function (_, i) {
          return data.labels[i] === label;
        });
        return {
          x: chosen.map(function (p) { return p[0]; }),
          y: chosen.map(function (p) { return p[1]; }),
          mode: "markers",
          marker: {
            color: label ? ORANGE : BLUE,
            size: 5,
            line: { color: "#ffffff", width: 0.5 },
          },
        };
      });
      var epochs = data.loss.map(function (_, i) {
        return i;
      });
      return {
        panels: [
          {
            traces: [heat, boundary].concat(points),
            layout: layout({
              title: { text: "probability of the outer ring" },
              xaxis: axis("x\u2081", { range: [-3.2, 3.2] }),
              yaxis: axis("x\u2082", { range: [-3.2, 3.2], scaleanchor: "x" }),
            }),
          },
          {
            traces: [line(epochs, data.loss, GREY), dot(epoch, data.loss[epoch], RED)],
            layout: layout({
              title: { text: "training loss" },
              xaxis: axis("epoch", { range: [0, epochs.length - 1] }),
              yaxis: axis("loss", { rangemode: "tozero" }),
            }),
          },
        ],
        readout:
          (epoch === 0 ? "before training" : "after epoch " + epoch) + ": training loss " +
          data.loss[epoch].toFixed(3),
        outputs: { epoch: String(epoch) },
      };
    },
  };

  function values(figure) {
    var result = {};
    figure.querySelectorAll("input, select").forEach(function (control) {
      result[control.name] = control.value;
    });
    return result;
  }

  function draw(figure, data) {
    var drawn = FIGURES[figure.dataset.kind](data, values(figure));
    var panels = figure.querySelectorAll(".interactive-panel");
    drawn.panels.forEach(function (panel, i) {
      Plotly.react(panels[i], panel.traces, panel.layout, CONFIG);
    });
    figure.querySelector(".interactive-readout").textContent = drawn.readout;
    Object.keys(drawn.outputs).forEach(function (name) {
      var output = figure.querySelector('output[name="' + name + '-value"]');
      if (output) {
        output.textContent = drawn.outputs[name];
      }
    });
  }

  function start() {
    document.querySelectorAll(".interactive-figure").forEach(function (figure) {
      if (!FIGURES[figure.dataset.kind] || typeof Plotly === "undefined") {
        return;
      }
      var data = JSON.parse(figure.querySelector("script.interactive-data").textContent);
      figure.querySelectorAll("input, select").forEach(function (control) {
        control.addEventListener("input", function () {
          draw(figure, data);
        });
        control.addEventListener("change", function () {
          draw(figure, data);
        });
      });
      draw(figure, data);
      figure.dataset.ready = "true";
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
