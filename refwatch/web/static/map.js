// The dashboard map: country outlines from world-atlas (TopoJSON, served locally) as a
// Leaflet GeoJSON layer, so no tile server is ever contacted; then circles for
// apprehension places (filled) and detention facilities (rings), sized by the number of
// persons, the largest labelled; a click lists the persons (for roles that may), and the
// same points fill the table under the map, the map's text alternative.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || typeof L === "undefined") return;
  var map = L.map(el, { zoomSnap: 0.5, scrollWheelZoom: false, worldCopyJump: false });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(el.dataset.attribution || "Natural Earth");
  map.setView([35, 115], 4);
  map.createPane("outlines");
  map.getPane("outlines").style.zIndex = 200;
  var LABELLED = 6;
  var plural = new Intl.PluralRules(document.documentElement.lang || "en");

  function radius(n) { return 4 + Math.sqrt(n) * 3; }
  function persons(n) {
    var form = plural.select(n) === "one" ? el.dataset.personOne : el.dataset.personMany;
    return (form || "{n}").replace("{n}", String(n));
  }

  fetch(el.dataset.outlines, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (topo) {
      var land = topojson.feature(topo, topo.objects.countries);
      L.geoJSON(land, {
        pane: "outlines",
        interactive: false,
        style: { color: "#8a8f98", weight: 0.8, fillColor: "#f4f1ea", fillOpacity: 1 }
      }).addTo(map);
      el.classList.add("outlines-ready");
    })
    .catch(function () { el.classList.add("outlines-failed"); });

  function tableRow(body, p, kind) {
    var row = document.createElement("tr");
    row.dataset.place = p.id;
    [p.name, kind, String(p.persons), p.held === undefined || p.held === null ? "—" : String(p.held)].forEach(
      function (text, i) {
        var cell = document.createElement("td");
        if (i >= 2) cell.className = "num";
        if (i === 0 && el.dataset.filterUrl) {
          var link = document.createElement("a");
          link.href = el.dataset.filterUrl + "?" + new URLSearchParams(filterOf(p, kind));
          link.textContent = text;
          cell.appendChild(link);
        } else {
          cell.textContent = text;
        }
        row.appendChild(cell);
      });
    body.appendChild(row);
  }

  function filterOf(p, kind) {
    var query = {};
    query[kind === el.dataset.facility ? "facility" : "place"] = p.id;
    return query;
  }

  fetch(el.dataset.src, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var bounds = [];
      var body = document.querySelector("#map-table tbody");
      var all = data.places.concat(data.facilities);
      var sizes = all.map(function (p) { return p.persons; }).sort(function (a, b) { return b - a; });
      var labelFrom = sizes.length ? sizes[Math.min(LABELLED, sizes.length) - 1] : Infinity;
      function add(list, css, kind, filled) {
        list.forEach(function (p) {
          var marker = L.circleMarker([p.lat, p.lon], {
            radius: radius(p.persons), className: "map-point " + css,
            weight: filled ? 1.5 : 3, fillOpacity: filled ? 0.45 : 0
          });
          var text = p.name + ": " + persons(p.persons) + " " + kind;
          if (p.held) text += " (" + p.held + " " + el.dataset.stillHeld + ")";
          if (el.dataset.filterUrl) {
            text += " — " + el.dataset.open;
            marker.on("click", function () {
              window.location.href = el.dataset.filterUrl + "?" + new URLSearchParams(filterOf(p, kind));
            });
          }
          marker.bindTooltip(text);
          marker.addTo(map);
          if (p.persons >= labelFrom) {
            L.tooltip({ permanent: true, direction: filled ? "right" : "left", className: "map-label",
                        offset: [filled ? radius(p.persons) : -radius(p.persons), 0] })
              .setLatLng([p.lat, p.lon]).setContent(p.name).addTo(map);
          }
          if (body) tableRow(body, p, kind);
          bounds.push([p.lat, p.lon]);
        });
      }
      add(data.places, "place", el.dataset.places, true);
      add(data.facilities, "facility", el.dataset.facility, false);
      if (bounds.length) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 7 });
      el.classList.add("points-ready");
    });
})();
