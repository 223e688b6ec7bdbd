// Vega-Lite charts drawn with vega-embed. The pages' CSP forbids eval, so Vega runs its
// expressions through the interpreter (`ast: true`), never through `new Function`.
import { expressionInterpreter } from "/static/vega-interpreter.js";

const OPTIONS = { ast: true, expr: expressionInterpreter, actions: false, renderer: "svg" };

function monthlyBounds(el, months) {
  const x = { field: "month", type: "ordinal", title: el.dataset.xTitle,
              axis: { labelAngle: -45, labelOverlap: true } };
  return {
    width: "container", height: 240, autosize: { type: "fit", contains: "padding" },
    data: { values: months },
    layer: [
      { mark: { type: "bar", color: "#b5473a" },
        encoding: { x, y: { field: "at_least", type: "quantitative", title: el.dataset.yTitle },
                    tooltip: [{ field: "month", title: el.dataset.xTitle },
                              { field: "at_least", title: el.dataset.least },
                              { field: "at_most", title: el.dataset.most }] } },
      { mark: { type: "tick", color: "#1f2933", thickness: 2 },
        encoding: { x, y: { field: "at_most", type: "quantitative" } } }
    ]
  };
}

function observations(el, rows) {
  return {
    width: "container", height: 240, autosize: { type: "fit", contains: "padding" },
    data: { values: rows },
    mark: { type: "point", filled: true, size: 90 },
    encoding: {
      x: { field: "date", type: "temporal", title: el.dataset.xTitle, scale: { type: "utc" },
           axis: { format: "%Y-%m", formatType: "utc" } },
      y: { field: "kind_label", type: "nominal", title: el.dataset.yTitle },
      color: { field: "kind_label", type: "nominal", legend: null },
      tooltip: [{ field: "observed_on", title: el.dataset.xTitle },
                { field: "kind_label", title: el.dataset.yTitle },
                { field: "label", title: el.dataset.valueTitle }]
    }
  };
}

const SPECS = { "monthly-bounds": [monthlyBounds, "months"], "observations": [observations, "observations"] };

async function draw(el) {
  const [make, key] = SPECS[el.dataset.spec || "monthly-bounds"];
  try {
    const response = await fetch(el.dataset.src, { credentials: "same-origin" });
    const data = await response.json();
    await vegaEmbed(el, make(el, data[key]), OPTIONS);
    el.classList.add("chart-ready");
  } catch (error) {
    el.textContent = el.dataset.failed || "The chart could not be drawn.";
    el.classList.add("chart-failed");
  }
}

document.querySelectorAll(".chart[data-src]").forEach(draw);
