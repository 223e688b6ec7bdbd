// The dashboard map: country outlines from world-atlas (TopoJSON, served locally) as a
// Leaflet GeoJSON layer, so no tile server is ever contacted; then circles for
// apprehension places and detention facilities, sized by the number of persons.
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

  function radius(n) { return 4 + Math.sqrt(n) * 3; }

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

  fetch(el.dataset.src, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var bounds = [];
      function add(list, css, label) {
        list.forEach(function (p) {
          var marker = L.circleMarker([p.lat, p.lon], {
            radius: radius(p.persons), className: "map-point " + css, weight: 1.5, fillOpacity: 0.55
          });
          var text = p.name + ": " + p.persons + " " + el.dataset.persons + " " + label;
          if (p.held) text += " (" + p.held + " " + el.dataset.stillHeld + ")";
          marker.bindTooltip(text);
          marker.addTo(map);
          bounds.push([p.lat, p.lon]);
        });
      }
      add(data.places, "place", el.dataset.places);
      add(data.facilities, "facility", el.dataset.facility);
      if (bounds.length) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 7 });
      el.classList.add("points-ready");
    });
})();
