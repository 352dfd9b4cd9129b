package api

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// route is one entry of the route table. Path uses ServeMux wildcards,
// which are also OpenAPI's path templates.
type route struct {
	Method  string
	Path    string
	Handler func(*Server) http.HandlerFunc
}

// routeTable lists every route the server registers. The OpenAPI test walks
// it. GET routes also answer HEAD.
func routeTable() []route {
	return []route{
		{"GET", "/healthz", (*Server).handleHealth},
		{"GET", "/readyz", (*Server).handleReady},
		{"GET", "/metrics", (*Server).handleMetrics},
		{"GET", "/v1/openapi.json", (*Server).handleOpenAPI},
		{"GET", "/v1/assets", (*Server).handleSearch},
		{"GET", "/v1/assets/{id}", (*Server).handleAsset},
		{"PATCH", "/v1/assets/{id}", (*Server).handlePatch},
		{"GET", "/v1/assets/{id}/history", (*Server).handleHistory},
		{"GET", "/v1/assets/{id}/similar", (*Server).handleSimilar},
		{"GET", "/v1/assets/{id}/renditions/{name}", (*Server).handleRendition},
		{"GET", "/v1/assets/{id}/original", (*Server).handleOriginal},
		{"GET", "/v1/assets/{id}/download", (*Server).handleDownload},
		{"GET", "/v1/categories", (*Server).handleCategories},
		{"GET", "/v1/places", (*Server).handlePlaces},
		{"GET", "/v1/stats", (*Server).handleStats},
		{"GET", "/v1/export", (*Server).handleExport},
		{"POST", "/v1/ingest", (*Server).handleIngest},
		{"POST", "/v1/backup", (*Server).handleBackup},
		{"POST", "/v1/metadata/import", (*Server).handleImportMetadata},
		{"GET", "/v1/report", (*Server).handleReport},
		{"POST", "/v1/verify", maintenanceJob(KindVerify)},
		{"POST", "/v1/rethumb", maintenanceJob(KindRethumb)},
		{"POST", "/v1/reindex", maintenanceJob(KindReindex)},
		{"GET", "/v1/keys", (*Server).handleKeys},
		{"POST", "/v1/keys", (*Server).handleKeyCreate},
		{"POST", "/v1/keys/{id}/revoke", (*Server).handleKeyRevoke},
		{"POST", "/v1/keys/{id}/rotate", (*Server).handleKeyRotate},
		{"GET", "/v1/jobs", (*Server).handleJobs},
		{"GET", "/v1/jobs/{id}", (*Server).handleJob},
		{"GET", "/v1/collections", (*Server).handleCollections},
		{"POST", "/v1/collections", (*Server).handleCreateCollection},
		{"GET", "/v1/collections/{id}", (*Server).handleCollection},
		{"PATCH", "/v1/collections/{id}", (*Server).handlePatchCollection},
		{"DELETE", "/v1/collections/{id}", (*Server).handleDeleteCollection},
		{"POST", "/v1/collections/{id}/items", (*Server).handleCollectionItems},
		{"GET", "/v1/collections/{id}/download", (*Server).handleCollectionDownload},
		{"GET", "/v1/collections/{id}/shares", (*Server).handleCollectionShares},
		{"POST", "/v1/collections/{id}/shares", (*Server).handleCreateShare},
		{"DELETE", "/v1/collections/{id}/shares/{share}", (*Server).handleRevokeShare},
		{"GET", "/v1/shares/{token}", (*Server).handleShare},
		{"GET", "/v1/shares/{token}/download", (*Server).handleShareDownload},
		{"GET", "/v1/shares/{token}/assets/{id}/renditions/{name}", (*Server).handleShareRendition},
		{"GET", "/v1/shares/{token}/assets/{id}/original", (*Server).handleShareOriginal},
		{"GET", "/v1/shares/{token}/assets/{id}/download", (*Server).handleShareAssetDownload},
		{"GET", "/v1/changes", (*Server).handleChanges},
		{"GET", "/iiif/3/{id}", (*Server).handleIIIFBase},
		{"GET", "/iiif/3/{id}/info.json", (*Server).handleIIIFInfo},
		{"GET", "/iiif/3/{id}/{region}/{size}/{rotation}/{file}", (*Server).handleIIIFImage},
		{"GET", "/iiif/3/{id}/manifest", (*Server).handleIIIFManifest},
		{"GET", "/iiif/3/collections/categories/{code}", (*Server).handleIIIFCategory},
		{"GET", "/iiif/3/collections/places/{code}", (*Server).handleIIIFPlace},
		{"GET", "/oai", (*Server).handleOAI},
		{"POST", "/oai", (*Server).handleOAI},
		{"GET", "/sitemap.xml", (*Server).handleSitemap},
		{"GET", "/robots.txt", (*Server).handleRobots},
		{"POST", "/v1/jobs/{id}/resume", (*Server).handleJobResume},
		{"GET", "/v1/webhooks", (*Server).handleWebhooks},
		{"POST", "/v1/webhooks", (*Server).handleWebhookCreate},
		{"GET", "/v1/webhooks/{id}", (*Server).handleWebhook},
		{"DELETE", "/v1/webhooks/{id}", (*Server).handleWebhookDelete},
		{"POST", "/v1/webhooks/{id}/rotate", (*Server).handleWebhookRotate},
		{"POST", "/v1/webhooks/{id}/enable", (*Server).handleWebhookEnable},
	}
}

func (s *Server) handleHealth() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, r, http.StatusOK, map[string]string{"status": "ok"})
	}
}

func (s *Server) handleReady() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.deps.Ready != nil {
			if err := s.deps.Ready(r.Context()); err != nil {
				s.log.WarnContext(r.Context(), "not ready", "err", err)
				writeProblem(w, r, http.StatusServiceUnavailable, "not ready")
				return
			}
		}
		writeJSON(w, r, http.StatusOK, map[string]string{"status": "ready"})
	}
}

// handleMetrics serves the Prometheus metrics to admin keys, unless they
// have an address of their own (Config.MetricsAddr, MetricsHandler).
func (s *Server) handleMetrics() http.HandlerFunc {
	h := s.MetricsHandler()
	return func(w http.ResponseWriter, r *http.Request) {
		p := principalFrom(r.Context())
		switch {
		case s.cfg.MetricsAddr != "":
			notFound(w, r)
		case p.Anonymous():
			unauthorized(w, r, "the metrics need an admin key")
		case !p.canAdmin():
			writeProblem(w, r, http.StatusForbidden, "the metrics need an admin key")
		default:
			h.ServeHTTP(w, r)
		}
	}
}

// MetricsHandler serves the Prometheus metrics without asking who calls:
// for the separate listen address Config.MetricsAddr.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
}
