// Answers IIIF Image API 3.0 requests over one original with
// iiif-processor (an independent Node implementation, on sharp), for
// TestIIIFAgainstIIIFProcessor. Usage:
//   NODE_PATH=…/node_modules node iiif_processor.cjs ORIGINAL OUTDIR REQUEST…
// where each REQUEST is "{region}/{size}/{rotation}/{quality}.{format}".
// Writes OUTDIR/<n>.<format> for the n-th request and prints one JSON line
// per request: {"n", "status", "file"} or {"n", "status", "error"}.
const fs = require("node:fs");
const path = require("node:path");
const { Processor } = require("iiif-processor");

async function main() {
  const [original, outDir, ...requests] = process.argv.slice(2);
  const resolver = async () => fs.createReadStream(original);
  for (const [n, req] of requests.entries()) {
    const url = `http://localhost/iiif/3/asset/${req}`;
    try {
      const result = await new Processor(url, resolver).execute();
      if (result.type === "error") {
        console.log(JSON.stringify({ n, status: result.statusCode, error: result.message }));
        continue;
      }
      const file = path.join(outDir, `${n}.${req.split(".").pop()}`);
      fs.writeFileSync(file, result.body);
      console.log(JSON.stringify({ n, status: 200, file }));
    } catch (err) {
      console.log(JSON.stringify({ n, status: err.statusCode || 500, error: String(err.message) }));
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
