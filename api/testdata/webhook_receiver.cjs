// A webhook receiver that verifies every delivery with the Standard
// Webhooks library (npm standardwebhooks), for
// TestWebhooksWithStandardWebhooks. Usage:
//   NODE_PATH=…/node_modules node webhook_receiver.cjs
// Prints {"port"} once it listens, then reads the endpoint's secret
// (whsec_…) as a line on stdin. For every request it prints one JSON line
// {"id", "verified", "type", "asset", "status", "error"} and answers:
// 400 when the signature does not verify, 503 to the first attempt of each
// delivery id (so retries happen, and cross a restart), 200 afterwards.
const http = require("node:http");
const readline = require("node:readline");
const { Webhook } = require("standardwebhooks");

let wh = null;
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  wh = new Webhook(line.trim());
});

const seen = new Set();
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const rec = { id: req.headers["webhook-id"] || "", verified: false };
    try {
      if (!wh) throw new Error("no secret yet");
      const payload = wh.verify(body, req.headers);
      rec.verified = true;
      rec.type = payload.type;
      rec.asset = payload.data && payload.data.id;
    } catch (e) {
      rec.error = String((e && e.message) || e);
    }
    rec.status = !rec.verified ? 400 : seen.has(rec.id) ? 200 : 503;
    seen.add(rec.id);
    process.stdout.write(JSON.stringify(rec) + "\n");
    res.writeHead(rec.status);
    res.end();
  });
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
