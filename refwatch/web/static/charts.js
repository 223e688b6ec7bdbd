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

// Observations: a dated range is a bar from its first to its last possible day (not a dot
// at its middle, which claimed a precision the source never gave); an exact day is a dot.
// Each observation has a row of its own within its kind (`slot`), so two never merge into
// one mark; the axis shows the year and month. The marks are hidden from assistive
// technology (`aria: false`): the chart is one labelled image, the table below its text.
function observations(el, rows) {
  const x = { field: "start", type: "temporal", title: el.dataset.xTitle, scale: { type: "utc" },
              axis: { labelExpr: "utcFormat(datum.value, '%Y-%m')", labelOverlap: true,
                      labelAngle: -45, tickCount: { interval: "month", step: 1 } } };
  const y = { field: "kind_label", type: "nominal", title: el.dataset.yTitle };
  const yOffset = { field: "slot", type: "nominal" };
  const color = { field: "kind_label", type: "nominal", legend: null };
  const tooltip = [{ field: "observed_on", title: el.dataset.xTitle },
                   { field: "kind_label", title: el.dataset.yTitle },
                   { field: "label", title: el.dataset.valueTitle }];
  const kinds = new Set(rows.map((r) => r.kind_label)).size;
  const slots = Math.max(1, ...rows.map((r) => r.slot + 1));
  return {
    width: "container", height: Math.max(160, kinds * Math.min(slots, 6) * 18 + 60),
    autosize: { type: "fit", contains: "padding" },
    data: { values: rows },
    encoding: { x, y, yOffset, color, tooltip },
    layer: [
      { transform: [{ filter: "datum.ranged" }],
        mark: { type: "bar", height: 8, cornerRadius: 2, opacity: 0.8, aria: false },
        encoding: { x2: { field: "end" } } },
      { transform: [{ filter: "!datum.ranged" }],
        mark: { type: "point", filled: true, size: 80, opacity: 0.9, aria: false } }
    ]
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
