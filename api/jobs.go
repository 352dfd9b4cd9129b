package api

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/backup"
	"github.com/haiduong/promo-archive/archive/ingest"
)

// Job states.
const (
	JobQueued      = "queued"
	JobRunning     = "running"
	JobDone        = "done"        // the run finished (some files may have failed)
	JobFailed      = "failed"      // the run stopped on an error
	JobInterrupted = "interrupted" // the server stopped first; POST /v1/jobs/{id}/resume goes on
)

// Job kinds.
const (
	KindIngest  = "ingest"
	KindBackup  = "backup"
	KindVerify  = "verify"  // POST /v1/verify: re-hash the originals, look for the renditions
	KindRethumb = "rethumb" // POST /v1/rethumb: render renditions again
	KindReindex = "reindex" // POST /v1/reindex: rebuild the search index
)

// jobKinds are the kinds GET /v1/jobs?kind= accepts.
func jobKinds() []string {
	return []string{KindIngest, KindBackup, KindVerify, KindRethumb, KindReindex}
}

// JobsTable is the archive.db table where jobs are kept (Deps.Jobs): the
// job id → the job without its per-file results, and what running it
// again needs. Jobs outlive the server, for resuming and for reports.
const JobsTable = "jobs"

// Job is the JSON of GET /v1/jobs/{id}.
type Job struct {
	ID         string         `json:"id"`
	Kind       string         `json:"kind"`             // ingest | backup | verify | rethumb | reindex
	State      string         `json:"state"`            // queued | running | done | failed | interrupted
	Source     string         `json:"source,omitempty"` // ingest: paths | upload
	Paths      []string       `json:"paths,omitempty"`
	Dest       string         `json:"dest,omitempty"` // backup: the destination folder
	Status     string         `json:"status,omitempty"`
	Visibility string         `json:"visibility,omitempty"`
	Agency     string         `json:"agency,omitempty"` // ingest: the contributing agency of new assets
	By         string         `json:"by,omitempty"`     // the name of the key that started it
	CreatedAt  time.Time      `json:"created_at"`
	StartedAt  *time.Time     `json:"started_at,omitempty"`
	FinishedAt *time.Time     `json:"finished_at,omitempty"`
	Resumes    int            `json:"resumes,omitempty"` // times it was resumed after an interruption
	Progress   JobProgress    `json:"progress"`
	Summary    *JobSummary    `json:"summary,omitempty"`
	Backup     *BackupSummary `json:"backup,omitempty"`
	// The reports of the maintenance jobs, when they are done.
	Verify        *backup.VerifyReport  `json:"verify,omitempty"`
	Rethumb       *ingest.RethumbReport `json:"rethumb,omitempty"`
	Reindex       *ReindexSummary       `json:"reindex,omitempty"`
	Error         string                `json:"error,omitempty"`
	ResultsTotal  int                   `json:"results_total"`
	ResultsOffset int                   `json:"results_offset"`
	Results       []ingest.FileResult   `json:"results"`
}

// BackupSummary is what a finished backup job wrote.
type BackupSummary struct {
	Records     int   `json:"records"`
	Originals   int   `json:"originals"`
	Copied      int   `json:"copied"`
	CopiedBytes int64 `json:"copied_bytes"`
	Problems    int   `json:"problems"`
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

// Finished reports whether the job will change no more (unless resumed).
func (j *Job) Finished() bool {
	return j.State == JobDone || j.State == JobFailed || j.State == JobInterrupted
}

// errQueueFull means too many jobs wait already (503 with Retry-After).
var errQueueFull = refuse(http.StatusServiceUnavailable, "too many ingest jobs are waiting; try again later")

// job is a Job with what running it needs: the row of the jobs table
// (Results are not stored). Its fields are guarded by the manager's mutex.
type job struct {
	Job
	Sources        []string       `json:"sources,omitempty"`
	Follow         bool           `json:"follow_symlinks,omitempty"`
	NoRender       bool           `json:"no_renditions,omitempty"`
	UploadDir      string         `json:"upload_dir,omitempty"` // removed when the job is done; its prefix is cut from result paths
	WithRenditions bool           `json:"with_renditions,omitempty"`
	Keep           int            `json:"keep,omitempty"` // a backup's earlier databases kept
	RethumbReq     RethumbRequest `json:"rethumb_request,omitzero"`

	defaults ingest.Defaults
	saved    time.Time // when progress was last stored
	osUser   string    // IngestRequest.OSUser, for the local admin token
}

// JobStore keeps jobs; archive.Table implements it.
type JobStore interface {
	Get(key string, v any) (bool, error)
	Scan(prefix string, fn func(key string, decode func(v any) error) error) error
	Modify(key string, v any, change func(found bool) (write bool, err error)) error
}

// jobManager runs jobs one at a time, in order, keeps the last MaxJobs of
// them in memory with their results and every one in the jobs table.
type jobManager struct {
	s      *Server
	table  JobStore // nil: jobs are kept in memory only
	mu     sync.Mutex
	jobs   map[string]*job
	order  []string
	queue  chan *job
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

// interruptedMsg is the error of a job the server stopped.
const interruptedMsg = "the server stopped during the job; what was committed stays; resume the job to go on"

// newJobManager marks the jobs a previous server left queued or running as
// interrupted and starts the worker.
func newJobManager(s *Server, table JobStore) (*jobManager, error) {
	ctx, cancel := context.WithCancel(context.Background())
	m := &jobManager{s: s, table: table, jobs: map[string]*job{}, queue: make(chan *job, 64), ctx: ctx, cancel: cancel, done: make(chan struct{})}
	if table != nil {
		var stale []*job
		err := table.Scan("", func(_ string, decode func(any) error) error {
			j := &job{}
			if err := decode(j); err != nil {
				return err
			}
			if j.State == JobQueued || j.State == JobRunning {
				stale = append(stale, j)
			}
			return nil
		})
		if err != nil {
			cancel()
			return nil, fmt.Errorf("api: jobs: %w", err)
		}
		now := time.Now()
		for _, j := range stale {
			j.State, j.Error, j.FinishedAt = JobInterrupted, interruptedMsg, &now
			if err := m.store(j.Job.ID, j); err != nil {
				cancel()
				return nil, err
			}
		}
	}
	go m.worker()
	if len(s.cfg.Backups) > 0 && s.deps.Backup != nil {
		go m.schedule()
	}
	return m, nil
}

// schedule queues the scheduled backups when their time comes, until the
// server stops.
func (m *jobManager) schedule() {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	last := map[string]time.Time{}
	for {
		m.tick(m.s.now(), last)
		select {
		case <-m.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// tick queues every scheduled backup whose latest slot (its time today, or
// yesterday before it) is after its last run; last remembers the runs,
// filled from the stored jobs on the first tick, so a backup a stopped
// server missed runs when it starts.
func (m *jobManager) tick(now time.Time, last map[string]time.Time) {
	for _, b := range m.s.cfg.Backups {
		h, mi, _ := b.atClock() // checked by Validate
		local := now.In(m.s.loc)
		slot := time.Date(local.Year(), local.Month(), local.Day(), h, mi, 0, 0, m.s.loc)
		if slot.After(now) {
			slot = slot.AddDate(0, 0, -1)
		}
		ran, ok := last[b.Dest]
		if !ok {
			jobs, err := m.list(KindBackup, 1000)
			if err != nil {
				m.s.log.Warn("scheduled backup: read the jobs", "err", err)
				continue
			}
			for _, j := range jobs {
				if j.Dest == b.Dest && j.CreatedAt.After(ran) {
					ran = j.CreatedAt
				}
			}
		}
		if !ran.Before(slot) {
			last[b.Dest] = ran
			continue
		}
		j := &job{Job: Job{ID: newJobID(), Kind: KindBackup, State: JobQueued, Dest: b.Dest, By: "schedule", CreatedAt: now},
			WithRenditions: b.WithRenditions, Keep: b.Keep}
		if err := m.submit(j); err != nil {
			m.s.log.Warn("scheduled backup not queued", "dest", b.Dest, "err", err)
			continue
		}
		last[b.Dest] = now
		m.s.log.Info("scheduled backup queued", "job", j.ID, "dest", b.Dest)
	}
}

// close stops the worker: the running job's context is cancelled. It
// waits for the job to notice at most wait, so a job stuck in a read
// cannot keep the server (and its lock on the archive) alive.
func (m *jobManager) close(wait time.Duration) {
	m.cancel()
	select {
	case <-m.done:
	case <-time.After(wait):
		m.s.log.Warn("the running job did not stop in time; leaving it", "wait", wait)
	}
}

func newJobID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// store writes row under id.
func (m *jobManager) store(id string, row *job) error {
	if m.table == nil {
		return nil
	}
	var old job
	return m.table.Modify(id, &old, func(bool) (bool, error) {
		old = *row
		old.Results = nil
		return true, nil
	})
}

// save stores a snapshot of j; a failure is logged, the job goes on.
func (m *jobManager) save(j *job) {
	m.mu.Lock()
	row := *j
	row.ResultsTotal = len(j.Results)
	row.Paths, row.Sources = slices.Clone(j.Paths), slices.Clone(j.Sources)
	j.saved = time.Now()
	m.mu.Unlock()
	if err := m.store(row.ID, &row); err != nil {
		m.s.log.Warn("store job", "job", row.ID, "err", err)
	}
}

// track remembers j in memory, forgetting the oldest finished jobs beyond
// the limit. The caller holds m.mu.
func (m *jobManager) track(j *job) {
	if _, ok := m.jobs[j.ID]; !ok {
		m.order = append(m.order, j.ID)
	}
	m.jobs[j.ID] = j
	for i := 0; len(m.jobs) > m.s.cfg.MaxJobs && i < len(m.order); {
		old := m.jobs[m.order[i]]
		if old.Finished() {
			delete(m.jobs, old.ID)
			m.order = slices.Delete(m.order, i, i+1)
			continue
		}
		i++
	}
}

// submit stores and queues j.
func (m *jobManager) submit(j *job) error {
	if err := m.store(j.ID, j); err != nil {
		return err
	}
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
	m.track(j)
	m.s.metrics.jobsActive.WithLabelValues(JobQueued).Inc()
	return nil
}

// lookup returns the job in memory, or as stored (without results).
func (m *jobManager) lookup(id string) (*job, error) {
	m.mu.Lock()
	j, ok := m.jobs[id]
	m.mu.Unlock()
	if ok {
		return j, nil
	}
	if m.table == nil || !validJobID(id) {
		return nil, nil
	}
	j = &job{}
	found, err := m.table.Get(id, j)
	if err != nil || !found {
		return nil, err
	}
	return j, nil
}

// validJobID: 16 lower-case hex digits.
func validJobID(id string) bool {
	if len(id) != 16 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && strings.ToLower(id) == id
}

// get returns a copy of the job with its results from offset on.
func (m *jobManager) get(id string, offset int) (*Job, bool, error) {
	j, err := m.lookup(id)
	if j == nil {
		return nil, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := j.Job
	out.Paths = slices.Clone(j.Paths)
	if _, live := m.jobs[id]; live {
		out.ResultsTotal = len(j.Results)
	}
	out.ResultsOffset = min(offset, len(j.Results))
	out.Results = slices.Clone(j.Results[out.ResultsOffset:])
	if out.Results == nil {
		out.Results = []ingest.FileResult{}
	}
	if j.Summary != nil {
		sum := *j.Summary
		out.Summary = &sum
	}
	if j.Backup != nil {
		b := *j.Backup
		out.Backup = &b
	}
	// The maintenance reports are set once, when the job finishes.
	out.Verify, out.Rethumb, out.Reindex = j.Verify, j.Rethumb, j.Reindex
	return &out, true, nil
}

// list returns the stored jobs of kind ("" any), newest first, at most
// limit, without their results.
func (m *jobManager) list(kind string, limit int) ([]Job, error) {
	var out []Job
	if m.table != nil {
		err := m.table.Scan("", func(_ string, decode func(any) error) error {
			j := &job{}
			if err := decode(j); err != nil {
				return err
			}
			if kind == "" || j.Kind == kind {
				j.Results = []ingest.FileResult{}
				out = append(out, j.Job)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	// The jobs in memory are the freshest.
	m.mu.Lock()
	for _, j := range m.jobs {
		if kind != "" && j.Kind != kind {
			continue
		}
		cur := j.Job
		cur.ResultsTotal, cur.Results, cur.Paths = len(j.Results), []ingest.FileResult{}, slices.Clone(j.Paths)
		if i := slices.IndexFunc(out, func(o Job) bool { return o.ID == j.ID }); i >= 0 {
			out[i] = cur
		} else {
			out = append(out, cur)
		}
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b Job) int { return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(a.ID, b.ID)) })
	return out[:min(limit, len(out))], nil
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
					m.finish(j, JobInterrupted, "the server stopped before the job started; resume the job to run it", nil)
				default:
					return
				}
			}
		}
	}
}

// end finishes a job without an ingest summary by how its work ended:
// interrupted by shutdown, failed, or done.
func (m *jobManager) end(j *job, err error) {
	switch {
	case err != nil && m.ctx.Err() != nil:
		m.finish(j, JobInterrupted, interruptedMsg, nil)
	case err != nil:
		m.finish(j, JobFailed, err.Error(), nil)
	default:
		m.finish(j, JobDone, "", nil)
	}
}

// finish ends j; an ingest job that is done or failed loses its upload
// folder, an interrupted one keeps it for resuming.
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
	m.save(j)
	if j.UploadDir != "" && state != JobInterrupted {
		if err := os.RemoveAll(j.UploadDir); err != nil {
			m.s.log.Warn("remove upload folder", "dir", j.UploadDir, "err", err)
		}
	}
}

// start marks j running.
func (m *jobManager) start(j *job) {
	now := time.Now()
	m.mu.Lock()
	j.State, j.StartedAt = JobRunning, &now
	m.mu.Unlock()
	m.s.metrics.jobsActive.WithLabelValues(JobQueued).Dec()
	m.s.metrics.jobsActive.WithLabelValues(JobRunning).Inc()
	m.save(j)
}

// progress records p, storing it every few seconds.
func (m *jobManager) progress(j *job, p archive.Progress) {
	m.mu.Lock()
	j.Progress = JobProgress{FilesDone: p.FilesDone, FilesTotal: p.FilesTotal, BytesDone: p.BytesDone, BytesTotal: p.BytesTotal}
	due := time.Since(j.saved) > 2*time.Second
	m.mu.Unlock()
	if due {
		m.save(j)
	}
}

func (m *jobManager) run(j *job) {
	if m.ctx.Err() != nil {
		m.finish(j, JobInterrupted, "the server stopped before the job started; resume the job to run it", nil)
		return
	}
	m.start(j)
	log := m.s.log.With("job", j.ID, "kind", j.Kind)
	log.Info("job started")
	switch j.Kind {
	case KindBackup:
		_, err := m.s.runBackup(m.ctx, j)
		log.Info("job ended", "err", err)
		return
	case KindVerify, KindRethumb, KindReindex:
		err := m.s.runMaintenance(m.ctx, j)
		log.Info("job ended", "err", err)
		return
	}
	ro := ingest.RunOptions{
		Defaults: j.defaults, FollowSymlinks: j.Follow, NoRenditions: j.NoRender, By: j.By,
		OnResult: func(r ingest.FileResult) {
			if j.UploadDir != "" {
				r.Path = strings.TrimPrefix(strings.TrimPrefix(r.Path, j.UploadDir), string(os.PathSeparator))
			}
			m.mu.Lock()
			j.Results = append(j.Results, r)
			m.mu.Unlock()
		},
		OnProgress: func(p archive.Progress) { m.progress(j, p) },
	}
	sum, err := m.s.deps.Ingester.Run(m.ctx, j.Sources, ro)
	switch {
	case err != nil && m.ctx.Err() != nil:
		m.finish(j, JobInterrupted, interruptedMsg, sum)
	case err != nil:
		m.finish(j, JobFailed, err.Error(), sum)
	default:
		m.finish(j, JobDone, "", sum)
	}
	log.Info("job ended", "err", err)
}

// resume queues an interrupted job again under its id: an ingest goes on
// where it stopped (what was committed is unchanged and skipped), a backup
// copies what the destination still lacks.
func (m *jobManager) resume(id string) (*Job, error) {
	j, err := m.lookup(id)
	if err != nil {
		return nil, err
	}
	if j == nil {
		return nil, archive.ErrNotFound
	}
	if j.Kind == KindIngest {
		if m.s.deps.Ingester == nil {
			return nil, refuse(http.StatusServiceUnavailable, "this server does not ingest")
		}
		for _, src := range j.Sources {
			if err := ingest.CheckSource(src); err != nil {
				return nil, refuse(http.StatusConflict, "the job cannot go on: "+err.Error())
			}
		}
		if j.defaults, err = parseDefaults(j.Status, j.Visibility, j.Agency); err != nil {
			return nil, err
		}
	} else if err := m.s.canRun(j.Kind); err != nil {
		return nil, err
	}
	m.mu.Lock()
	if j.State != JobInterrupted {
		state := j.State
		m.mu.Unlock()
		return nil, refuse(http.StatusConflict, "only an interrupted job can be resumed; this one is "+state)
	}
	prev := *j
	j.State, j.Error, j.StartedAt, j.FinishedAt, j.Summary, j.Backup = JobQueued, "", nil, nil, nil, nil
	j.Verify, j.Rethumb, j.Reindex = nil, nil, nil
	j.Results, j.Progress = nil, JobProgress{}
	j.Resumes++
	m.mu.Unlock()
	if err := m.submit(j); err != nil {
		m.mu.Lock()
		*j = prev
		m.mu.Unlock()
		return nil, err
	}
	out, _, err := m.get(id, 0)
	return out, err
}
