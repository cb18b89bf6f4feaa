// The network view's drawing (templates/linkage/network.html), with the vendored
// Cytoscape.js (../vendor/cytoscape, see ../vendor/VERSIONS.md). Progressive
// enhancement: the page's tables hold the same information and work without this.
//
// The graph is read from the page's JSON data block (`#network-data`), so the drawing
// shows exactly what the tables show. Colours, shapes and the names of the kinds come
// from the page's key (`[data-network-kind]`), where they are translated. The page's
// Content-Security-Policy allows no inline style: the container's size is set here
// through the CSSOM, and the page pre-empts the <style> element Cytoscape would add.
(function () {
  "use strict";

  const container = document.getElementById("network-graph");
  const block = document.getElementById("network-data");
  const status = document.getElementById("network-status");
  const selection = document.getElementById("network-selection");
  const controls = document.getElementById("network-controls");
  if (!container || !block || !status || typeof window.cytoscape !== "function") {
    return;
  }

  const data = JSON.parse(block.textContent);
  const key = {};
  for (const item of document.querySelectorAll("[data-network-kind]")) {
    key[item.dataset.networkKind] = {
      colour: item.dataset.colour,
      shape: item.dataset.shape,
      name: item.dataset.name,
    };
  }
  // A case is drawn as a signal or an investigation.
  const kindOf = (node) => (node.kind === "case" ? node.record_type : node.kind);

  const elements = [];
  for (const node of data.nodes) {
    elements.push({ group: "nodes", data: { id: node.id, label: node.label, kind: kindOf(node) } });
  }
  data.edges.forEach((edge, i) => {
    elements.push({
      group: "edges",
      data: { id: "e" + i, source: edge.source, target: edge.target, kind: edge.kind },
    });
  });

  const style = [
    {
      selector: "node",
      style: {
        label: "data(label)",
        "font-family": "arial, sans-serif",
        "font-size": 10,
        color: "#0b0c0c",
        "text-valign": "bottom",
        "text-margin-y": 3,
        "text-wrap": "ellipsis",
        "text-max-width": 120,
        "min-zoomed-font-size": 7,
        // A light background keeps a label readable where it crosses a line.
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.8,
        "text-background-padding": 1,
        width: 18,
        height: 18,
        "border-width": 1,
        "border-color": "#ffffff",
      },
    },
    { selector: 'node[kind = "signal"], node[kind = "investigation"]', style: { width: 26, height: 18 } },
    {
      selector: "edge",
      style: { width: 1, "line-color": "#6f777b", "curve-style": "straight" },
    },
    { selector: 'edge[kind = "confirmed"]', style: { width: 4, "line-color": "#0b0c0c" } },
    {
      selector: 'edge[kind = "candidate"]',
      style: { width: 2, "line-color": "#0b0c0c", "line-style": "dashed", "line-dash-pattern": [6, 4] },
    },
    {
      selector: "node:selected",
      style: { "border-width": 4, "border-color": "#ffdd00", "overlay-opacity": 0 },
    },
  ];
  // The path the page found (the numbered list under "Path between two cases"): its
  // points and lines stand out, everything else fades.
  style.push(
    { selector: ".faded", style: { opacity: 0.25 } },
    { selector: "node.on-path", style: { "border-width": 3, "border-color": "#0b0c0c" } },
    { selector: "edge.on-path", style: { width: 4, "line-color": "#0b0c0c" } },
  );
  for (const [kind, entry] of Object.entries(key)) {
    style.push({
      selector: `node[kind = "${kind}"]`,
      style: { "background-color": entry.colour, shape: entry.shape },
    });
  }

  container.hidden = false;
  container.style.position = "relative";
  container.style.height = "560px";
  container.style.border = "1px solid #b1b4b6";

  const cy = window.cytoscape({
    container,
    elements,
    style,
    layout: {
      name: "cose",
      animate: false,
      randomize: true,
      nodeRepulsion: () => 6000,
      idealEdgeLength: () => 40,
      numIter: elements.length > 3000 ? 300 : 1000,
    },
    minZoom: 0.05,
    maxZoom: 4,
    boxSelectionEnabled: false,
    autoungrabify: false,
  });

  const steps = data.path ? data.path.path.map((step) => step.id) : [];
  if (steps.length > 1) {
    let onPath = cy.collection();
    steps.forEach((id, i) => {
      onPath = onPath.union(cy.getElementById(id));
      if (i > 0) onPath = onPath.union(cy.getElementById(steps[i - 1]).edgesWith(cy.getElementById(id)));
    });
    if (onPath.nonempty()) {
      cy.elements().difference(onPath).addClass("faded");
      onPath.addClass("on-path");
    }
  }

  const nodes = cy.nodes().length;
  const edges = cy.edges().length;
  container.dataset.nodes = String(nodes);
  container.dataset.edges = String(edges);
  status.textContent = status.dataset.drawn
    .replace("{nodes}", String(nodes))
    .replace("{edges}", String(edges));

  cy.on("tap", "node", (event) => {
    const node = event.target;
    const entry = key[node.data("kind")];
    const what = (entry ? entry.name + ": " : "") + (node.data("label") || "–");
    selection.textContent = status.dataset.selected.replace("{what}", what);
  });

  if (controls) {
    controls.hidden = false;
    controls.addEventListener("click", (event) => {
      const button = event.target.closest("[data-network-zoom]");
      if (!button) return;
      const centre = { x: container.clientWidth / 2, y: container.clientHeight / 2 };
      const action = button.dataset.networkZoom;
      if (action === "fit") {
        cy.fit(undefined, 30);
      } else {
        const factor = action === "in" ? 1.5 : 1 / 1.5;
        cy.zoom({ level: cy.zoom() * factor, renderedPosition: centre });
      }
    });
  }
})();
