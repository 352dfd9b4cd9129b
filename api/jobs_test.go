package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive/ingest"
	"github.com/haiduong/promo-archive/archive/keys"
)

// blockingIngester runs until its context is cancelled (obey) or until
// release is closed (a run stuck in a read that ignores the context).
type blockingIngester struct {
	started chan struct{}
	release chan struct{}
	obey    bool
}

func (b *blockingIngester) Run(ctx context.Context, _ []string, _ ingest.RunOptions) (*ingest.Summary, error) {
	close(b.started)
	if b.obey {
		select {
		case <-ctx.Done():
		case <-b.release:
		}
	} else {
		<-b.release
	}
	return &ingest.Summary{}, ctx.Err()
}

// quickIngester adds one file at once.
type quickIngester struct{}

func (quickIngester) Run(context.Context, []string, ingest.RunOptions) (*ingest.Summary, error) {
	return &ingest.Summary{Added: 1}, nil
}

// jobServer serves the fixture's archive with ing as its ingester and the
// jobs table, as a restarted server would.
func jobServer(t *testing.T, f *fixture, ing Ingester, mod func(*Config)) (*Server, *httptest.Server) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.RateAnon, cfg.RateKey = 0, 0
	if mod != nil {
		mod(&cfg)
	}
	srv, err := New(cfg, Deps{Records: f.a.Store(), Search: f.ix, Stats: f.a.Store(), Files: f.a, Keys: keys.New(f.a.Store()),
		Jobs: f.a.Store().Table(JobsTable), Ingester: ing, AdminToken: "hdl_test"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	t.Cleanup(func() { srv.Close() })
	return srv, ts
}

// call sends a request with the local admin token and decodes the JSON.
func call(t *testing.T, ts *httptest.Server, method, path, body string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer hdl_test")
	req.Header.Set("Content-Type", "application/json")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// TestJobsSurviveRestart: a job the server stops is interrupted, is found
// by the next server with its history, and resumes under its id; a job a
// crashed server left running is interrupted too.
func TestJobsSurviveRestart(t *testing.T) {
	f := newFixture(t, nil)
	src := t.TempDir()
	blk := &blockingIngester{started: make(chan struct{}), release: make(chan struct{}), obey: true}
	srv1, ts1 := jobServer(t, f, blk, nil)
	var j Job
	if code := call(t, ts1, "POST", "/v1/ingest", `{"paths":["`+src+`"]}`, &j); code != 202 || j.Kind != KindIngest {
		t.Fatalf("ingest: %d %+v", code, j)
	}
	<-blk.started
	srv1.Close()
	ts1.Close()

	// A job a crashed server left running.
	crashed := &job{Job: Job{ID: "00000000000000aa", Kind: KindBackup, State: JobRunning, Dest: t.TempDir(), CreatedAt: time.Now().Add(-time.Hour)}}
	if err := (&jobManager{table: f.a.Store().Table(JobsTable)}).store(crashed.ID, crashed); err != nil {
		t.Fatal(err)
	}

	_, ts2 := jobServer(t, f, quickIngester{}, nil)
	for _, id := range []string{j.ID, crashed.ID} {
		var got Job
		if code := call(t, ts2, "GET", "/v1/jobs/"+id, "", &got); code != 200 || got.State != JobInterrupted || got.Error == "" {
			t.Errorf("job %s after restart: %d %+v", id, code, got)
		}
	}
	var list struct{ Jobs []Job }
	if code := call(t, ts2, "GET", "/v1/jobs?kind=ingest", "", &list); code != 200 || len(list.Jobs) != 1 || list.Jobs[0].ID != j.ID {
		t.Errorf("list ingest jobs: %d %+v", code, list)
	}
	if code := call(t, ts2, "POST", "/v1/jobs/"+j.ID+"/resume", "", &j); code != 202 || j.Resumes != 1 {
		t.Fatalf("resume: %d %+v", code, j)
	}
	for deadline := time.Now().Add(10 * time.Second); !j.Finished() && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		call(t, ts2, "GET", "/v1/jobs/"+j.ID, "", &j)
	}
	if j.State != JobDone || j.Summary == nil || j.Summary.Added != 1 {
		t.Errorf("resumed job: %+v", j)
	}
	for _, c := range []struct {
		name, id string
		want     int
	}{
		{"done", j.ID, http.StatusConflict},
		{"unknown", "0123456789abcdef", http.StatusNotFound},
		{"malformed", "..", http.StatusNotFound},
	} {
		t.Run("resume "+c.name, func(t *testing.T) {
			if code := call(t, ts2, "POST", "/v1/jobs/"+c.id+"/resume", "", nil); code != c.want {
				t.Errorf("%d, want %d", code, c.want)
			}
		})
	}
}

// TestCloseDoesNotWaitForAStuckJob: a job stuck in a read that ignores its
// context does not keep Close (and so the server and its lock) waiting
// beyond the shutdown timeout.
func TestCloseDoesNotWaitForAStuckJob(t *testing.T) {
	f := newFixture(t, nil)
	blk := &blockingIngester{started: make(chan struct{}), release: make(chan struct{})}
	defer close(blk.release)
	srv, ts := jobServer(t, f, blk, func(c *Config) { c.ShutdownTimeout = Duration(200 * time.Millisecond) })
	if code := call(t, ts, "POST", "/v1/ingest", `{"paths":["`+t.TempDir()+`"]}`, nil); code != 202 {
		t.Fatalf("ingest: %d", code)
	}
	<-blk.started
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for a stuck job")
	}
}

// TestScheduledBackups: a scheduled backup runs as a backup job once its
// time has come, once per day, also after a restart, keeping history.
func TestScheduledBackups(t *testing.T) {
	f := newFixture(t, nil)
	dest := t.TempDir()
	f.srv.cfg.Backups = []ScheduledBackup{{Dest: dest, At: "02:00", Keep: 1}}
	day := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 30, 0, 0, f.srv.loc) }
	wait := func() {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			jobs, _ := f.srv.jobs.list(KindBackup, 10)
			if len(jobs) > 0 && jobs[0].Finished() {
				if jobs[0].State != JobDone {
					t.Fatalf("backup job %+v", jobs[0])
				}
				return
			}
		}
		t.Fatal("the scheduled backup did not finish")
	}
	count := func() int { jobs, _ := f.srv.jobs.list(KindBackup, 10); return len(jobs) }
	for _, step := range []struct {
		name string
		at   time.Time
		want int
	}{
		{"first start, after its time", day(2, 3), 1},
		{"after a restart, same day", day(2, 5), 1},
		{"the next day, before its time", day(3, 1), 1},
		{"the next night", day(3, 2), 2},
		{"the night after", day(4, 2), 3},
	} {
		t.Run(step.name, func(t *testing.T) {
			f.srv.jobs.tick(step.at, map[string]time.Time{}) // a fresh map: as after a restart
			if count() != step.want {
				t.Fatalf("%d backup jobs, want %d", count(), step.want)
			}
			wait()
		})
	}
	entries, err := os.ReadDir(filepath.Join(dest, "history"))
	if err != nil || len(entries) != 1 {
		t.Errorf("history %v %v, want 1 entry (keep 1)", entries, err)
	}
}
