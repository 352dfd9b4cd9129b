package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

// startServer runs `archive serve` as a real process on a free loopback
// port and returns its server.json.
func startServer(t *testing.T, root string, extra ...string) serverInfo {
	t.Helper()
	var stderr bytes.Buffer
	cmd := childCommand(t, append([]string{"--root", root, "serve", "--addr", "127.0.0.1:0"}, extra...)...)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("serve exited with %v\n%s", err, stderr.String())
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Error("serve did not stop on SIGTERM")
		}
		if _, err := os.Stat(filepath.Join(root, serverFileName)); err == nil {
			t.Error("server.json left after shutdown")
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(filepath.Join(root, serverFileName))
		var si serverInfo
		if err == nil && json.Unmarshal(b, &si) == nil && si.URL != "" {
			fi, _ := os.Stat(filepath.Join(root, serverFileName))
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("server.json mode %v", fi.Mode())
			}
			return si
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server did not start:\n%s", stderr.String())
	return serverInfo{}
}

// TestServeEndToEnd ingests through the API of a real server process while
// anonymous clients search, then checks the results, the CLI going through
// the server, and a clean shutdown.
func TestServeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	root := filepath.Join(t.TempDir(), "root")
	src := filepath.Join(t.TempDir(), "le-hoi")
	const files = 24
	for i := range files {
		writeJPEG(t, filepath.Join(src, fmt.Sprintf("d%d", i%3), fmt.Sprintf("img%03d.jpg", i)), 320, 240, uint8(i))
	}
	os.WriteFile(filepath.Join(src, "metadata.csv"), []byte("file,title_vi\nd0/img000.jpg,Lễ hội Côn Sơn\n"), 0o644)
	si := startServer(t, root, "--rate-anon", "0")

	// Anonymous clients search all along.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var searches, failures atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := http.Get(si.URL + "/v1/assets?size=5&facets=kind")
				if err != nil {
					failures.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				searches.Add(1)
				if resp.StatusCode != 200 {
					failures.Add(1)
				}
			}
		}()
	}

	body, _ := json.Marshal(map[string]any{"paths": []string{src}, "status": "published", "visibility": "public"})
	req, _ := http.NewRequest("POST", si.URL+"/v1/ingest", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+si.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var job struct {
		ID, State string
		Summary   *struct{ Added int }
		Results   []struct{ Path, Status string }
	}
	json.NewDecoder(resp.Body).Decode(&job)
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("ingest: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for job.State != "done" && job.State != "failed" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		req, _ := http.NewRequest("GET", si.URL+"/v1/jobs/"+job.ID, nil)
		req.Header.Set("Authorization", "Bearer "+si.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&job)
		resp.Body.Close()
	}
	close(stop)
	wg.Wait()
	if job.State != "done" || job.Summary == nil || job.Summary.Added != files || len(job.Results) != files {
		t.Fatalf("job %+v", job)
	}
	if failures.Load() > 0 || searches.Load() == 0 {
		t.Errorf("%d searches during ingest, %d failed", searches.Load(), failures.Load())
	}
	t.Logf("%d searches during the ingest", searches.Load())

	resp, err = http.Get(si.URL + "/v1/assets?q=" + url.QueryEscape("con son") + "&lang=en")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Total uint64
		Hits  []struct{ Title, Lang, Thumb string }
	}
	json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if res.Total != 1 || res.Hits[0].Title != "Lễ hội Côn Sơn" || res.Hits[0].Lang != "vi" || res.Hits[0].Thumb == "" {
		t.Errorf("search after ingest: %+v", res)
	}
	resp, err = http.Get(si.URL + res.Hits[0].Thumb)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("thumb: %d", resp.StatusCode)
	}

	// The CLI goes through the server (the archive is locked by it).
	r := runCLI(t, "--root", root, "search", "--json", "--size", "50")
	var cliRes struct{ Total int }
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &cliRes) != nil || cliRes.Total != files {
		t.Errorf("search through the server: %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "--root", root, "search", "--size", "0")
	if r.code != exitUsage {
		t.Errorf("bad --size through the server: exit %d", r.code)
	}
	r = runCLI(t, "--root", root, "ingest", "--json", src)
	lines := parseIngest(t, r.stdout)
	if r.code != 0 || len(lines) != files || lines["img000.jpg"].Status != "unchanged" {
		t.Errorf("ingest through the server: exit %d, %d lines %v\n%s", r.code, len(lines), lines["img000.jpg"], r.stderr)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l.Path, src) {
			t.Errorf("path %q is not shown as given", l.Path)
			break
		}
	}
	r = runCLI(t, "--root", root, "search", "--no-server", "x")
	if r.code == 0 {
		t.Error("--no-server opened a locked archive")
	}
	// A backup while the server holds the archive: the server makes it.
	dest := filepath.Join(t.TempDir(), "backup")
	r = runCLI(t, "--root", root, "backup", "--json", dest)
	var m struct {
		Records   int `json:"records"`
		Originals int `json:"originals"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &m) != nil || m.Records != files || m.Originals != files {
		t.Errorf("backup through the server: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	// A new file ingested through the server is recorded under the OS
	// user who ran the CLI, not the local admin token.
	src2 := t.TempDir()
	writeJPEG(t, filepath.Join(src2, "new.jpg"), 16, 16, 99)
	r = runCLI(t, "--root", root, "ingest", "--json", src2)
	newID := parseIngest(t, r.stdout)["new.jpg"].ID
	req, _ = http.NewRequest("GET", si.URL+"/v1/assets/"+newID+"/history", nil)
	req.Header.Set("Authorization", "Bearer "+si.Token)
	var h struct{ History []archive.AuditEntry }
	if resp, err := http.DefaultClient.Do(req); err != nil || json.NewDecoder(resp.Body).Decode(&h) != nil || len(h.History) != 1 || h.History[0].Who != osUser() {
		t.Errorf("ingest through the server recorded as %+v (want %q): %v", h.History, osUser(), err)
	} else {
		resp.Body.Close()
	}
}

// TestServeStopsDuringAJob: SIGTERM stops a server while an ingest job
// runs and frees the archive; the next server shows the job interrupted
// and resumes it to the end.
func TestServeStopsDuringAJob(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	root := filepath.Join(t.TempDir(), "root")
	src := filepath.Join(t.TempDir(), "anh")
	const files = 120
	for i := range files {
		writeJPEG(t, filepath.Join(src, fmt.Sprintf("img%03d.jpg", i)), 640, 480, uint8(i))
	}
	si := startServer(t, root, "--ingest-workers", "1")
	type jobJSON struct {
		ID, State, Error string
		Resumes          int
		Summary          *struct{ Added, Unchanged int }
	}
	call := func(si serverInfo, method, path string, body any) (int, jobJSON) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, si.URL+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+si.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var j jobJSON
		json.NewDecoder(resp.Body).Decode(&j)
		return resp.StatusCode, j
	}
	code, j := call(si, "POST", "/v1/ingest", map[string]any{"paths": []string{src}})
	if code != 202 {
		t.Fatalf("ingest: %d", code)
	}
	for deadline := time.Now().Add(30 * time.Second); j.State == "queued" && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		_, j = call(si, "GET", "/v1/jobs/"+j.ID, nil)
	}
	if err := syscall.Kill(si.PID, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The lock is released: the archive opens.
	var a *archive.Archive
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if a, err = archive.Open(root, archive.Options{ReadOnly: true}); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("the archive is still locked after SIGTERM: %v", err)
	}
	a.Close()

	si = startServer(t, root)
	_, j = call(si, "GET", "/v1/jobs/"+j.ID, nil)
	if j.State == "done" {
		t.Skip("the job finished before SIGTERM arrived")
	}
	if j.State != "interrupted" {
		t.Fatalf("after restart the job is %q (%s), want interrupted", j.State, j.Error)
	}
	if code, _ := call(si, "POST", "/v1/jobs/"+j.ID+"/resume", nil); code != 202 {
		t.Fatalf("resume: %d", code)
	}
	// A guard against a hang, not a speed test: CI's race-instrumented
	// ingest of 120 photos on 2 shared cores takes over a minute.
	for deadline := time.Now().Add(4 * time.Minute); j.State != "done" && j.State != "failed" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		_, j = call(si, "GET", "/v1/jobs/"+j.ID, nil)
	}
	if j.State != "done" || j.Resumes != 1 || j.Summary == nil || j.Summary.Added+j.Summary.Unchanged != files {
		t.Errorf("resumed job %+v", j)
	}
}

// TestStaleServerFile: a server.json whose server is gone is ignored.
func TestStaleServerFile(t *testing.T) {
	root := t.TempDir()
	a, err := archive.Open(root, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	writeServerInfo(filepath.Join(root, serverFileName), serverInfo{URL: "http://127.0.0.1:1", Token: "x"})
	r := runCLI(t, "--root", root, "search", "--json", "x")
	if r.code != 0 {
		t.Fatalf("search with a stale server.json: %d %s", r.code, r.stderr)
	}
}

// TestKeysCommands runs the keys commands on the archive and through a
// running server: the same output and exit codes either way.
func TestKeysCommands(t *testing.T) {
	for _, mode := range []string{"no server", "server"} {
		t.Run(mode, func(t *testing.T) {
			root := t.TempDir()
			if mode == "server" {
				if testing.Short() {
					t.Skip("server process skipped in -short mode")
				}
				startServer(t, root)
			}
			keysSuite(t, root)
		})
	}
}

func keysSuite(t *testing.T, root string) {
	r := runCLI(t, "--root", root, "keys", "create", "--role", "agency", "--name", "Sở Du lịch", "--expires", "2999-12-31")
	if r.code != 0 {
		t.Fatalf("create: %d %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	key := lines[len(lines)-1]
	if !strings.HasPrefix(key, "hdk_") || strings.Contains(key, " ") {
		t.Fatalf("last line %q is not the key alone", key)
	}
	db, _ := os.ReadFile(filepath.Join(root, "archive.db"))
	if bytes.Contains(db, []byte(key)) {
		t.Error("the key itself is stored")
	}
	r = runCLI(t, "--root", root, "keys", "list", "--json")
	var keys []struct {
		ID, Name, Role string
		ExpiresAt      *time.Time `json:"expires_at"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &keys) != nil || len(keys) != 1 || keys[0].Name != "Sở Du lịch" || keys[0].Role != "agency" || keys[0].ExpiresAt == nil {
		t.Fatalf("list: %s", r.stdout)
	}
	r = runCLI(t, "--root", root, "keys", "rotate", keys[0].ID)
	lines = strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || !strings.HasPrefix(lines[len(lines)-1], "hdk_") || lines[len(lines)-1] == key {
		t.Fatalf("rotate: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "--root", root, "keys", "rotate", keys[0].ID); r.code != exitFatal || !strings.Contains(r.stderr, "revoked") {
		t.Errorf("rotating a revoked key: %d %s", r.code, r.stderr)
	}
	if r := runCLI(t, "--root", root, "keys", "revoke", "ffffffffffff"); r.code != exitFatal || !strings.Contains(r.stderr, "unknown API key") {
		t.Errorf("revoking an unknown key: %d %s", r.code, r.stderr)
	}
	if r := runCLI(t, "--root", root, "keys", "create", "--role", "portal", "--name", "x", "--expires", "2001-01-01"); r.code != exitUsage {
		t.Errorf("past expiry: exit %d", r.code)
	}
	if r := runCLI(t, "--root", root, "keys", "revoke", keys[0].ID); r.code != 0 {
		t.Fatalf("revoke: %s", r.stderr)
	}
	if r := runCLI(t, "--root", root, "keys", "list"); !strings.Contains(r.stdout, keys[0].ID) {
		t.Errorf("list after revoke: %s", r.stdout)
	}
	if r := runCLI(t, "--root", root, "keys", "create", "--role", "root", "--name", "x"); r.code != exitUsage {
		t.Errorf("bad role: exit %d", r.code)
	}
}

func TestServeHelpListsEveryOption(t *testing.T) {
	r := runCLI(t, "serve", "--help")
	for _, want := range []string{"--addr", "--cors-origins", "--rate-anon", "--rate-key", "--burst-anon", "--burst-key", "--max-upload",
		"--max-body", "--read-header-timeout", "--read-timeout", "--write-timeout", "--idle-timeout", "--shutdown-timeout",
		"--ingest-workers", "--max-jobs", "--ingest-roots", "--log-format", "ARCHIVE_ADDR", "ARCHIVE_RATE_ANON", "config.json", "--no-renditions"} {
		t.Run(want, func(t *testing.T) {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("serve --help does not mention %s", want)
			}
		})
	}
}

func TestServeConfigPrecedence(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "config.json"), []byte(`{"rate_anon": 5, "burst_anon": 7, "read_timeout": "1m", "addr": "127.0.0.1:9"}`), 0o644)
	t.Setenv("ARCHIVE_RATE_ANON", "6")
	g := &globalOptions{root: root}
	cmd := newServeCommand(g)
	cmd.ParseFlags([]string{"--addr", "127.0.0.1:7"})
	cfg, err := serveConfig(cmd, g)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:7" || cfg.RateAnon != 6 || cfg.BurstAnon != 7 || time.Duration(cfg.ReadTimeout) != time.Minute {
		t.Errorf("config %+v", cfg)
	}
	os.WriteFile(filepath.Join(root, "config.json"), []byte(`{"nope": 1}`), 0o644)
	if _, err := serveConfig(cmd, g); err == nil {
		t.Error("unknown field in config.json accepted")
	}
}
