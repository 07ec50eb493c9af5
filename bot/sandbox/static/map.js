// Buurtbot demo page: the map of the wijken for "share location" (uses state, api and actor
// from app.js). The projection comes from the server (bot/sandbox/mapview.py).
"use strict";

// -- the map ------------------------------------------------------------------------------

async function openMap(pane) {
  if (!state.map) state.map = await api("/api/map");
  state.mapFor = pane;
  const name = pane.chat.kind === "private" ? pane.chat.title
    : pane.el.querySelector(".speaker").selectedOptions[0].textContent;
  document.getElementById("map-title").textContent = `Locatie delen als ${name}`;
  drawMap(state.map);
  document.getElementById("map-dialog").hidden = false;
}

function drawMap(map) {
  const ns = "http://www.w3.org/2000/svg"; // the SVG namespace name, not a download
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${map.width} ${map.height}`);
  for (const wijk of map.wijken) {
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", wijk.path);
    path.dataset.wijk = wijk.code;
    const title = document.createElementNS(ns, "title");
    title.textContent = wijk.name;
    path.append(title);
    svg.append(path);
  }
  for (const wijk of map.wijken) {
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", wijk.label[0]);
    label.setAttribute("y", wijk.label[1]);
    label.textContent = wijk.name;
    svg.append(label);
  }
  svg.addEventListener("mousemove", (event) => {
    const [lat, lon] = toLatLon(svg, event);
    document.getElementById("map-where").textContent = `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
  });
  svg.addEventListener("click", async (event) => {
    const [latitude, longitude] = toLatLon(svg, event);
    const pane = state.mapFor;
    closeMap();
    await api("/api/location", { user_id: actor(pane), chat_id: pane.chat.id, latitude, longitude });
  });
  document.getElementById("map").replaceChildren(svg);
}

function toLatLon(svg, event) {
  const point = svg.createSVGPoint();
  point.x = event.clientX;
  point.y = event.clientY;
  const local = point.matrixTransform(svg.getScreenCTM().inverse());
  const p = state.map.projection;
  return [p.north - local.y / p.scale, p.west + local.x / (p.squeeze * p.scale)];
}

function closeMap() {
  document.getElementById("map-dialog").hidden = true;
  state.mapFor = null;
}
