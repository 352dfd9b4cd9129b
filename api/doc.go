// Package api owns the archive's HTTP interface: the JSON API under /v1
// (search, records, renditions, originals, taxonomy, stats, ingest jobs),
// its authentication by API key and the visibility rules that decide what
// each caller may see, RFC 9457 problem responses, and the operational
// surface (health, readiness, Prometheus metrics, request IDs, access logs,
// rate limits, CORS).
//
// api declares the narrow interfaces it needs and never opens the archive
// itself; cmd/archive wires the concrete values into Deps:
//
//   - Records (one record) and RecordSource (statistics): *archive.Store;
//   - Files (where originals and renditions are): *archive.Archive;
//     Backupper (POST /v1/backup): backup.Backup of that archive; Editor
//     (PATCH, history): *curation.Curator;
//   - Keyring (API keys: KeyVerifier on every request, SessionStore for
//     browser sign-in, KeyAdmin for /v1/keys): *keys.Keyring;
//   - JobStore (ingest and backup jobs, kept across restarts): the
//     archive.Table JobsTable of the store;
//   - Searcher (search) and Indexer (edits reach the index): *indexer.Index;
//   - Ingester (ingest jobs): *ingest.Pipeline, built once by the command
//     with its renderer, prober and index;
//   - Pictures (IIIF images: the decoded original, poster or page):
//     *thumbs.Renderer, the same one the pipeline renders with;
//   - ChangeLog (the change feed) and OAISource (OAI-PMH harvests):
//     *archive.Store;
//   - Collections (collections and share links): *collections.Store;
//     SizeRenderer (download sizes above the preview, drawn on demand and
//     cached on disk): *thumbs.Renderer;
//   - Lookalikes (GET /v1/assets/{id}/similar, the curators' duplicates
//     page): *similar.Index;
//   - Webhooks (/v1/webhooks and the dispatcher the server runs until
//     Close): *webhooks.Hooks of the store.
//
// It imports archive, archive/backup, archive/collections, archive/curation,
// archive/ingest, archive/keys, archive/similar, archive/webhooks and
// indexer for their types only.
//
// Webhooks (webhooks.go): admins register endpoints; the dispatcher of
// archive/webhooks follows the change sequence and asks webhookEvent what
// each change means to an endpoint's view, which is the change feed's
// changeFor for that role, so both say the same.
//
// Collections (collections.go) show each caller only the assets it may see
// on their own; a share link's holder sees what the link's maker's role
// sees (never more than an agency), and the link's token is kept out of the
// access log. A collection's ZIP (collection_zip.go) is streamed straight
// to the client with CREDITS.txt and credits.csv.
//
// Visibility is decided in one place, visibleTo (auth.go): anonymous callers
// and portal keys see public, published assets; agency keys also internal,
// published ones; curator keys see everything. An asset the caller may not
// see answers 404, exactly as a missing one does.
//
// Routes are declared in one table (routes.go) that the router, the metrics
// labels and the OpenAPI test all read; the OpenAPI 3.1 document is embedded
// from openapi.json.
//
// The standards: the IIIF Image and Presentation APIs 3.0 under /iiif/3
// (iiif_*.go: the request syntax, a disk cache of derivatives, manifests
// and collections) and OAI-PMH 2.0 with Dublin Core at /oai (oai.go). Their
// pictures come through Pictures (thumbs) and their records through the
// same visibility rules; harvesters see what anonymous callers see.
//
// Jobs: every ingest and backup job is kept in the jobs table (without its
// per-file results, which live in memory for the last MaxJobs jobs). A job
// the server stops, or a previous server left running, is "interrupted":
// POST /v1/jobs/{id}/resume queues it again, and what it committed stays.
// Curators ingest server folders only under Config.IngestRoots; the local
// admin token is not bound by them. Caveat: rate limits are per process.
package api
