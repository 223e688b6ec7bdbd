// The estimates page's plot: a Vega-Lite spec the server wrote into `data-vega-spec`
// (profile likelihood or posterior of N), drawn with vega-embed. The CSP forbids eval, so
// Vega runs its expressions through the interpreter (`ast: true`), as on the dashboard.
import { expressionInterpreter } from "/static/vega-interpreter.js";

const OPTIONS = { ast: true, expr: expressionInterpreter, actions: false, renderer: "svg" };

async function draw(el) {
  try {
    await vegaEmbed(el, JSON.parse(el.dataset.vegaSpec), OPTIONS);
    el.classList.add("chart-ready");
  } catch (error) {
    el.textContent = el.dataset.failed || "The chart could not be drawn.";
    el.classList.add("chart-failed");
  }
}

document.querySelectorAll(".chart[data-vega-spec]").forEach(draw);
