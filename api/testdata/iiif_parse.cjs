// Reads IIIF Presentation 3 documents with @iiif/parser, for
// TestIIIFManifestsParse. Usage:
//   NODE_PATH=…/node_modules node iiif_parse.cjs FILE…
// Prints one JSON line per file: {"file", "type", "canvases", "warnings"}
// or {"file", "error"}. normalize() refuses what it cannot read; the strict
// upgrade lists every deviation from the specification it had to repair.
const fs = require("node:fs");
const { normalize } = require("@iiif/parser");
const { presentation3StrictUpgrade } = require("@iiif/parser/strict");

for (const file of process.argv.slice(2)) {
  try {
    const doc = JSON.parse(fs.readFileSync(file, "utf8"));
    const state = { warnings: [] };
    presentation3StrictUpgrade(structuredClone(doc), state);
    const { resource, entities } = normalize(doc);
    console.log(JSON.stringify({
      file,
      type: resource.type,
      canvases: Object.keys(entities.Canvas || {}).length,
      manifests: Object.keys(entities.Manifest || {}).length,
      warnings: state.warnings,
    }));
  } catch (err) {
    console.log(JSON.stringify({ file, error: String(err && err.message || err) }));
  }
}
