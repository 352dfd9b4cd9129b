package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/curation"
	"github.com/haiduong/promo-archive/archive/webhooks"
)

// serveWebhooks serves f with the change feed and webhooks that poll and
// retry fast.
func (f *fixture) serveWebhooks() {
	f.t.Helper()
	f.serveWith(func(d *Deps) {
		d.Changes = f.a.Store()
		d.Webhooks = webhooks.New(f.a.Store(), webhooks.Options{
			Poll: 20 * time.Millisecond, Jitter: -1,
			Schedule: []time.Duration{300 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond},
		})
	})
}

func TestWebhooksAPI(t *testing.T) {
	f := newFixture(t, nil)
	if code := f.send("GET", "/v1/webhooks", "admin", nil, nil); code != 503 {
		t.Errorf("without webhooks: %d, want 503", code)
	}
	f.serveWebhooks()
	for who, want := range map[string]int{"": 401, "portal": 403, "curator": 403} {
		code, body, h := f.get("/v1/webhooks", who)
		if code != want {
			t.Errorf("as %q: %d, want %d", who, code, want)
		}
		checkProblem(t, "list as "+who, want, body, h)
	}
	for _, c := range []struct {
		name, param string
		body        any
	}{
		{"ftp", "url", map[string]any{"url": "ftp://portal.example/in"}},
		{"credentials", "url", map[string]any{"url": "https://u:p@portal.example/in"}},
		{"no url", "url", map[string]any{}},
		{"event", "events", map[string]any{"url": "https://portal.example/in", "events": []string{"asset.deleted"}}},
		{"view", "view", map[string]any{"url": "https://portal.example/in", "view": "admin"}},
	} {
		t.Run("refused "+c.name, func(t *testing.T) {
			b, _ := json.Marshal(c.body)
			resp := f.do("POST", "/v1/webhooks", "admin", bytes.NewReader(b), "Content-Type", "application/json")
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			checkProblem(t, c.name, 400, body, resp.Header)
			var p Problem
			json.Unmarshal(body, &p)
			if resp.StatusCode != 400 || len(p.Invalid) != 1 || p.Invalid[0].Name != c.param {
				t.Errorf("%d %s", resp.StatusCode, body)
			}
		})
	}
	var made newWebhookSecret
	if code := f.send("POST", "/v1/webhooks", "admin", map[string]any{"url": "https://portal.example/in", "description": "Cổng thông tin"}, &made); code != 201 {
		t.Fatalf("create: %d", code)
	}
	if !strings.HasPrefix(made.Secret, "whsec_") || made.View != "public" || len(made.Events) != 4 || made.Description != "Cổng thông tin" {
		t.Errorf("created %+v", made)
	}
	code, body, _ := f.get("/v1/webhooks", "admin")
	if code != 200 || strings.Contains(string(body), made.Secret) || !strings.Contains(string(body), made.ID) {
		t.Errorf("list: %d %s", code, body)
	}
	var rotated newWebhookSecret
	if code := f.send("POST", "/v1/webhooks/"+made.ID+"/rotate", "admin", nil, &rotated); code != 200 || rotated.Secret == made.Secret || rotated.PreviousSecretUntil == nil {
		t.Errorf("rotate: %d %+v", code, rotated)
	}
	var shown webhookDetail
	if code := f.send("GET", "/v1/webhooks/"+made.ID, "admin", nil, &shown); code != 200 || shown.ID != made.ID || shown.Deliveries == nil {
		t.Errorf("show: %d %+v", code, shown)
	}
	if code := f.send("POST", "/v1/webhooks/"+made.ID+"/enable", "admin", nil, nil); code != 200 {
		t.Errorf("enable: %d", code)
	}
	if code := f.send("DELETE", "/v1/webhooks/"+made.ID, "admin", nil, nil); code != 204 {
		t.Errorf("delete: %d", code)
	}
	for _, p := range []string{"GET /v1/webhooks/" + made.ID, "DELETE /v1/webhooks/" + made.ID, "POST /v1/webhooks/ep_nope/rotate", "POST /v1/webhooks/ep_nope/enable"} {
		m, path, _ := strings.Cut(p, " ")
		resp := f.do(m, path, "admin", nil)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		checkProblem(t, p, 404, body, resp.Header)
		if resp.StatusCode != 404 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
}

// TestWebhookDeliveries: the events follow each endpoint's view, carry
// the change feed's entry and are signed as the specification says. A
// change superseded before the dispatcher saw it says nothing, so an
// asset's events end with its state and never repeat a stale one. A
// change superseded before the dispatcher saw it says nothing, so an
// asset's events end with its state and never repeat a stale one.
func TestWebhookDeliveries(t *testing.T) {
	f := newFixture(t, nil)
	f.serveWebhooks()
	type got struct {
		view, id, typ, asset string
	}
	var mu sync.Mutex
	var all []got
	secrets := map[string]string{}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		view := strings.TrimPrefix(r.URL.Path, "/")
		b, _ := io.ReadAll(r.Body)
		ts, _ := strconv.ParseInt(r.Header.Get("webhook-timestamp"), 10, 64)
		mu.Lock()
		defer mu.Unlock()
		want, err := webhooks.Sign(secrets[view], r.Header.Get("webhook-id"), time.Unix(ts, 0), b)
		if err != nil || r.Header.Get("webhook-signature") != want {
			t.Errorf("%s: signature %q, want %q", view, r.Header.Get("webhook-signature"), want)
		}
		var p struct {
			Type string    `json:"type"`
			Data changeOut `json:"data"`
		}
		if err := json.Unmarshal(b, &p); err != nil {
			t.Errorf("body %s: %v", b, err)
		}
		all = append(all, got{view, r.Header.Get("webhook-id"), p.Type, p.Data.ID})
	}))
	defer receiver.Close()
	for _, view := range []string{"public", "agency"} {
		var made newWebhookSecret
		if code := f.send("POST", "/v1/webhooks", "admin", map[string]any{"url": receiver.URL + "/" + view, "view": view}, &made); code != 201 {
			t.Fatalf("create: %d", code)
		}
		mu.Lock()
		secrets[view] = made.Secret
		mu.Unlock()
	}
	internal, withdrawn := archive.Internal, archive.Withdrawn
	f.edit(f.ids["pub"], curation.Edit{Title: map[string]string{"en": "Con Son, retitled"}})
	f.edit(f.ids["pub"], curation.Edit{Visibility: &internal})
	f.edit(f.ids["draft"], curation.Edit{Title: map[string]string{"en": "Draft, retitled"}})
	f.edit(f.ids["internal"], curation.Edit{Status: &withdrawn})
	// The last event of each asset for each view; pub was retitled, then
	// made internal (the retitling may come before, if the dispatcher saw
	// it first).
	want := map[string]string{"public pub": "asset.hidden", "agency pub": "asset.updated", "agency internal": "asset.withdrawn"}
	allowed := map[string][]string{
		"public pub": {"asset.hidden", "asset.updated asset.hidden"},
		"agency pub": {"asset.updated", "asset.updated asset.updated"},
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		seq, last := map[string]string{}, map[string]string{}
		ids := map[string]bool{}
		for _, g := range all {
			tag := ""
			for t, id := range f.ids {
				if id == g.asset {
					tag = t
				}
			}
			k := g.view + " " + tag
			seq[k] = strings.TrimSpace(seq[k] + " " + g.typ)
			last[k] = g.typ
			ids[g.id] = true
		}
		n := len(all)
		mu.Unlock()
		if fmt.Sprint(last) == fmt.Sprint(want) {
			if len(ids) != n {
				t.Errorf("%d requests for %d ids", n, len(ids))
			}
			for k, s := range seq {
				if a, ok := allowed[k]; ok && !slices.Contains(a, s) {
					t.Errorf("%s: %s, want one of %q", k, s, a)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries %v (%d requests, %d ids), want last %v", seq, n, len(ids), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// webhookRecord is one request the Node receiver got.
type webhookRecord struct {
	Port     int    `json:"port"`
	ID       string `json:"id"`
	Verified bool   `json:"verified"`
	Type     string `json:"type"`
	Asset    string `json:"asset"`
	Status   int    `json:"status"`
	Error    string `json:"error"`
}

// TestWebhooksWithStandardWebhooks delivers to a receiver that verifies
// every request with the standardwebhooks npm library and fails the first
// attempt of each; the server is restarted while retries are pending and
// changes are made while it is down. Every event must arrive, verified,
// and be acknowledged exactly once per delivery id.
func TestWebhooksWithStandardWebhooks(t *testing.T) {
	mods := nodeModules(t, "standardwebhooks")
	cmd := exec.CommandContext(t.Context(), "node", filepath.Join("testdata", "webhook_receiver.cjs"))
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	records := make(chan webhookRecord, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var r webhookRecord
			if json.Unmarshal(sc.Bytes(), &r) == nil {
				records <- r
			}
		}
		close(records)
	}()
	next := func(what string) webhookRecord {
		t.Helper()
		select {
		case r, ok := <-records:
			if !ok {
				t.Fatalf("the receiver stopped, waiting for %s", what)
			}
			if r.Port == 0 && !r.Verified {
				t.Errorf("delivery %s did not verify: %s", r.ID, r.Error)
			}
			return r
		case <-time.After(15 * time.Second):
			t.Fatalf("no request while waiting for %s", what)
		}
		return webhookRecord{}
	}
	port := next("the port").Port

	f := newFixture(t, nil)
	f.serveWebhooks()
	var made newWebhookSecret
	if code := f.send("POST", "/v1/webhooks", "admin", map[string]any{"url": fmt.Sprintf("http://127.0.0.1:%d/hooks", port)}, &made); code != 201 {
		t.Fatalf("create: %d", code)
	}
	fmt.Fprintln(stdin, made.Secret)

	acked := map[string]int{}    // delivery id → 200 answers
	types := map[string]string{} // delivery id → type asset
	attempts := map[string]int{}
	take := func(r webhookRecord) {
		attempts[r.ID]++
		types[r.ID] = r.Type + " " + r.Asset
		if r.Status == 200 {
			acked[r.ID]++
		}
	}
	// Before the restart: two changes the public sees, each tried once
	// (503); their retries are pending when the server stops.
	public, internal, withdrawn := archive.Public, archive.Internal, archive.Withdrawn
	f.edit(f.ids["pub"], curation.Edit{Title: map[string]string{"en": "Con Son, retitled"}})
	f.edit(f.ids["internal"], curation.Edit{Visibility: &public})
	f.edit(f.ids["draft"], curation.Edit{Title: map[string]string{"en": "Draft, retitled"}}) // never seen by the public
	for len(attempts) < 2 {
		take(next("the first attempts"))
	}
	f.srv.Close()
	f.ts.Close()
	// While it is down: two more.
	f.edit(f.ids["pub"], curation.Edit{Status: &withdrawn})
	f.edit(f.ids["internal"], curation.Edit{Visibility: &internal})
	f.serveWebhooks()
	for len(acked) < 4 {
		take(next("the deliveries after the restart"))
	}
	// Nothing more comes: no second id for an event, no second
	// acknowledgement of one.
	quiet := time.After(time.Second)
	for done := false; !done; {
		select {
		case r := <-records:
			take(r)
		case <-quiet:
			done = true
		}
	}
	want := map[string]bool{
		"asset.updated " + f.ids["pub"]:      true,
		"asset.updated " + f.ids["internal"]: true,
		"asset.withdrawn " + f.ids["pub"]:    true,
		"asset.hidden " + f.ids["internal"]:  true,
	}
	for id, typ := range types {
		if !want[typ] {
			t.Errorf("unexpected delivery %s: %s", id, typ)
		}
		delete(want, typ)
		if acked[id] != 1 || attempts[id] != 2 {
			t.Errorf("delivery %s (%s): %d acknowledgements in %d attempts, want 1 in 2", id, typ, acked[id], attempts[id])
		}
	}
	if len(want) != 0 {
		t.Errorf("never delivered: %v", want)
	}
	var shown webhookDetail
	if code := f.send("GET", "/v1/webhooks/"+made.ID, "admin", nil, &shown); code != 200 || len(shown.Deliveries) != 4 {
		t.Fatalf("show: %d, %d deliveries", code, len(shown.Deliveries))
	}
	for _, d := range shown.Deliveries {
		if d.State != webhooks.StateDelivered || len(d.Attempts) != 2 || d.Attempts[0].Status != 503 || d.Attempts[1].Status != 200 {
			t.Errorf("log of %s: %+v", d.ID, d)
		}
	}
}
