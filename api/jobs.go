package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/ingest"
)

// Job states.
const (
	JobQueued    = "queued"
	JobRunning   = "running"
	JobDone      = "done"      // the run finished (some files may have failed)
	JobFailed    = "failed"    // the run stopped on an error
	JobCancelled = "cancelled" // the server stopped first
)

// Job is the JSON of GET /v1/jobs/{id}.
type Job struct {
	ID            string              `json:"id"`
	State         string              `json:"state"`
	Source        string              `json:"source"` // paths | upload
	Paths         []string            `json:"paths,omitempty"`
	Status        string              `json:"status,omitempty"`
	Visibility    string              `json:"visibility,omitempty"`
	CreatedAt     time.Time           `json:"created_at"`
	StartedAt     *time.Time          `json:"started_at,omitempty"`
	FinishedAt    *time.Time          `json:"finished_at,omitempty"`
	Progress      JobProgress         `json:"progress"`
	Summary       *JobSummary         `json:"summary,omitempty"`
	Error         string              `json:"error,omitempty"`
	ResultsTotal  int                 `json:"results_total"`
	ResultsOffset int                 `json:"results_offset"`
	Results       []ingest.FileResult `json:"results"`
}

// JobProgress counts files and bytes done.
type JobProgress struct {
	FilesDone  int   `json:"files_done"`
	FilesTotal int   `json:"files_total"`
	BytesDone  int64 `json:"bytes_done"`
	BytesTotal int64 `json:"bytes_total"`
}

// JobSummary is what a finished run did.
type JobSummary struct {
	Added      int     `json:"added"`
	Duplicate  int     `json:"duplicate"`
	Unchanged  int     `json:"unchanged"`
	Rejected   int     `json:"rejected"`
	Failed     int     `json:"failed"`
	BytesAdded int64   `json:"bytes_added"`
	ElapsedS   float64 `json:"elapsed_s"`
}

// Finished reports whether the job will change no more.
func (j *Job) Finished() bool {
	return j.State == JobDone || j.State == JobFailed || j.State == JobCancelled
}

// errQueueFull means too many jobs wait already (503 with Retry-After).
var errQueueFull = refuse(http.StatusServiceUnavailable, "too many ingest jobs are waiting; try again later")

// job is a Job with what running it needs. Its fields are guarded by the
// manager's mutex.
type job struct {
	Job
	sources   []string
	defaults  ingest.Defaults
	follow    bool
	noRender  bool
	uploadDir string // removed when the job ends; its prefix is cut from result paths
	by        string // the key's name, for the audit log
	osUser    string // IngestRequest.OSUser, for the local admin token
}

// jobManager runs ingest jobs one at a time, in order, and remembers the
// last MaxJobs of them.
type jobManager struct {
	s      *Server
	mu     sync.Mutex
	jobs   map[string]*job
	order  []string
	queue  chan *job
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

func newJobManager(s *Server) *jobManager {
	ctx, cancel := context.WithCancel(context.Background())
	m := &jobManager{s: s, jobs: map[string]*job{}, queue: make(chan *job, 64), ctx: ctx, cancel: cancel, done: make(chan struct{})}
	go m.worker()
	return m
}

func (m *jobManager) close() {
	m.cancel()
	<-m.done
}

func newJobID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// submit queues j.
func (m *jobManager) submit(j *job) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ctx.Err() != nil {
		return errQueueFull
	}
	select {
	case m.queue <- j:
	default:
		return errQueueFull
	}
	m.jobs[j.ID] = j
	m.order = append(m.order, j.ID)
	m.s.metrics.jobsActive.WithLabelValues(JobQueued).Inc()
	// Forget the oldest finished jobs beyond the limit.
	for i := 0; len(m.jobs) > m.s.cfg.MaxJobs && i < len(m.order); {
		old := m.jobs[m.order[i]]
		if old.Finished() {
			delete(m.jobs, old.ID)
			m.order = slices.Delete(m.order, i, i+1)
			continue
		}
		i++
	}
	return nil
}

// get returns a copy of the job with its results from offset on.
func (m *jobManager) get(id string, offset int) (*Job, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	if !ok {
		return nil, false
	}
	out := j.Job
	out.Paths = slices.Clone(j.Paths)
	out.ResultsTotal = len(j.Results)
	out.ResultsOffset = min(offset, len(j.Results))
	out.Results = slices.Clone(j.Results[out.ResultsOffset:])
	if out.Results == nil {
		out.Results = []ingest.FileResult{}
	}
	if j.Summary != nil {
		sum := *j.Summary
		out.Summary = &sum
	}
	return &out, true
}

func (m *jobManager) worker() {
	defer close(m.done)
	for {
		select {
		case j := <-m.queue:
			m.run(j)
		case <-m.ctx.Done():
			for {
				select {
				case j := <-m.queue:
					m.finish(j, JobCancelled, "the server stopped before the job started", nil)
				default:
					return
				}
			}
		}
	}
}

func (m *jobManager) finish(j *job, state, msg string, sum *ingest.Summary) {
	now := time.Now()
	m.mu.Lock()
	prev := j.State
	j.State, j.Error, j.FinishedAt = state, msg, &now
	if sum != nil {
		j.Summary = &JobSummary{Added: sum.Added, Duplicate: sum.Duplicate, Unchanged: sum.Unchanged,
			Rejected: sum.Rejected, Failed: sum.Failed, BytesAdded: sum.BytesAdded, ElapsedS: sum.Elapsed.Seconds()}
	}
	m.mu.Unlock()
	m.s.metrics.jobsActive.WithLabelValues(prev).Dec()
	m.s.metrics.jobs.WithLabelValues(state).Inc()
	if j.uploadDir != "" {
		if err := os.RemoveAll(j.uploadDir); err != nil {
			m.s.log.Warn("remove upload folder", "dir", j.uploadDir, "err", err)
		}
	}
}

func (m *jobManager) run(j *job) {
	if m.ctx.Err() != nil {
		m.finish(j, JobCancelled, "the server stopped before the job started", nil)
		return
	}
	now := time.Now()
	m.mu.Lock()
	j.State, j.StartedAt = JobRunning, &now
	m.mu.Unlock()
	m.s.metrics.jobsActive.WithLabelValues(JobQueued).Dec()
	m.s.metrics.jobsActive.WithLabelValues(JobRunning).Inc()
	log := m.s.log.With("job", j.ID)
	log.Info("ingest job started", "sources", len(j.sources))

	ro := ingest.RunOptions{
		Defaults: j.defaults, FollowSymlinks: j.follow, NoRenditions: j.noRender, By: j.by,
		OnResult: func(r ingest.FileResult) {
			if j.uploadDir != "" {
				r.Path = strings.TrimPrefix(strings.TrimPrefix(r.Path, j.uploadDir), string(os.PathSeparator))
			}
			m.mu.Lock()
			j.Results = append(j.Results, r)
			m.mu.Unlock()
		},
		OnProgress: func(p archive.Progress) {
			m.mu.Lock()
			j.Progress = JobProgress{FilesDone: p.FilesDone, FilesTotal: p.FilesTotal, BytesDone: p.BytesDone, BytesTotal: p.BytesTotal}
			m.mu.Unlock()
		},
	}
	sum, err := m.s.deps.Ingester.Run(m.ctx, j.sources, ro)
	switch {
	case err != nil && m.ctx.Err() != nil:
		m.finish(j, JobCancelled, "the server stopped during the job; what was committed stays, ingest again to resume", sum)
	case err != nil:
		m.finish(j, JobFailed, err.Error(), sum)
	default:
		m.finish(j, JobDone, "", sum)
	}
	log.Info("ingest job ended", "err", err)
}
