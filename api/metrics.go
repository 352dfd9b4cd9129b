package api

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are registered on the server's own registry, never the global
// default one.
type metrics struct {
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	rateLimited *prometheus.CounterVec
	jobs        *prometheus.CounterVec
	jobsActive  *prometheus.GaugeVec
	downloads   *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "archive_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "archive_http_request_duration_seconds", Help: "HTTP request latency by route pattern and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"route", "method"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "archive_http_rate_limited_total", Help: "Requests refused with 429, by client kind.",
		}, []string{"client"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "archive_ingest_jobs_total", Help: "Ingest jobs finished, by final state.",
		}, []string{"state"}),
		jobsActive: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "archive_ingest_jobs", Help: "Ingest jobs queued or running.",
		}, []string{"state"}),
		downloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "archive_downloads_total", Help: "Originals and renditions served (status 200 or 206), by what.",
		}, []string{"what"}),
	}
	reg.MustRegister(m.requests, m.latency, m.rateLimited, m.jobs, m.jobsActive, m.downloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
