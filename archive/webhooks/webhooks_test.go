package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

// TestSignKnownVector signs the vector every library of the Standard
// Webhooks repository tests (libraries/*: TestWebhookSign).
func TestSignKnownVector(t *testing.T) {
	const want = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	for _, secret := range []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"} {
		got, err := Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
		if err != nil || got != want {
			t.Errorf("Sign with %s = %q, %v; want %q", secret, got, err, want)
		}
	}
	for _, bad := range []string{"", "whsec_", "whsec_not base64!"} {
		if _, err := Sign(bad, "msg_1", time.Unix(1, 0), nil); err == nil {
			t.Errorf("Sign accepted the secret %q", bad)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for _, c := range []struct {
		url string
		ok  bool
	}{
		{"https://portal.example/hooks", true},
		{"http://10.0.0.5:8080/archive?x=1", true},
		{"ftp://portal.example/hooks", false},
		{"file:///etc/passwd", false},
		{"https://user:pass@portal.example/", false},
		{"https://token@portal.example/", false},
		{"https:///nohost", false},
		{"/relative", false},
		{"https://portal.example/#frag", false},
		{"https://portal.example/" + strings.Repeat("a", maxURL), false},
		{"javascript:alert(1)", false},
	} {
		t.Run(c.url[:min(len(c.url), 40)], func(t *testing.T) {
			err := CheckURL(c.url)
			if (err == nil) != c.ok {
				t.Errorf("CheckURL(%q) = %v", c.url, err)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v is not ErrInvalid", err)
			}
		})
	}
}

// clock is a fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// received is one request a receiver got.
type received struct {
	id, ts, sig string
	body        []byte
}

// receiver is an httptest server that answers each request with the
// status reply picks (by how many requests came before).
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []received
	wait time.Duration
}

func newReceiver(t *testing.T, reply func(n int, w http.ResponseWriter)) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		n := len(rc.got)
		rc.got = append(rc.got, received{r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature"), b})
		rc.mu.Unlock()
		reply(n, w)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func status(code int) func(int, http.ResponseWriter) {
	return func(_ int, w http.ResponseWriter) { w.WriteHeader(code) }
}

// env is a store, hooks with a fake clock, and a renderer that sees every
// change as asset.created or asset.updated.
type env struct {
	t     *testing.T
	store *archive.Store
	h     *Hooks
	d     *dispatcher
	clock *clock
	n     int
}

func newEnv(t *testing.T, o Options) *env {
	t.Helper()
	a, err := archive.Open(t.TempDir(), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	c := &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	o.Now = c.Now
	if o.Schedule == nil {
		o.Schedule = []time.Duration{time.Minute, 10 * time.Minute}
	}
	if o.Jitter == 0 {
		o.Jitter = -1
	}
	h := New(a.Store(), o)
	return &env{t: t, store: a.Store(), h: h, d: h.newDispatcher(render), clock: c}
}

// change writes a record: a new one, or again the n-th.
func (e *env) change(n int) string {
	e.t.Helper()
	if n == 0 {
		e.n++
		n = e.n
	}
	id := strings.Repeat("0", 63) + strconv.Itoa(n%10)
	rec := &archive.Record{ID: id, UpdatedAt: e.clock.Now()}
	if _, err := e.store.Put(rec); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func render(_ context.Context, view string, c archive.Change) (Event, bool, error) {
	typ := AssetUpdated
	if c.Op == "create" {
		typ = AssetCreated
	}
	return Event{Type: typ, At: c.At, Data: map[string]any{"id": c.ID, "view": view}}, true, nil
}

func (e *env) step() { e.d.step(e.t.Context()) }

func (e *env) create(url string, events ...string) Endpoint {
	e.t.Helper()
	ep, err := e.h.Create(NewEndpoint{URL: url, Events: events}, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return ep
}

func (e *env) endpoint(id string) Endpoint {
	e.t.Helper()
	ep, err := e.h.Get(id)
	if err != nil {
		e.t.Fatal(err)
	}
	return ep
}

func (e *env) deliveries(id string) []Delivery {
	e.t.Helper()
	ds, err := e.h.Deliveries(id, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	return ds
}

func TestEndpoints(t *testing.T) {
	e := newEnv(t, Options{RotationOverlap: time.Hour})
	e.change(0)
	ep := e.create("https://portal.example/hooks")
	if !strings.HasPrefix(ep.Secret, secretPrefix) || ep.View != ViewPublic || len(ep.Events) != 4 || ep.StartSeq != 1 {
		t.Errorf("created %+v", ep)
	}
	for field, n := range map[string]NewEndpoint{
		"events": {URL: "https://x.example/", Events: []string{"asset.deleted"}},
		"view":   {URL: "https://x.example/", View: "admin"},
		"url":    {URL: "https://a:b@x.example/"},
	} {
		_, err := e.h.Create(n, e.clock.Now())
		var ie *InvalidError
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &ie) || ie.Field != field {
			t.Errorf("%s: %v", field, err)
		}
	}
	two, err := e.h.Create(NewEndpoint{URL: "http://agency.example/in", Events: []string{AssetWithdrawn, AssetWithdrawn}, View: ViewAgency}, e.clock.Now())
	if err != nil || len(two.Events) != 1 || two.Secret == ep.Secret {
		t.Fatalf("second: %+v %v", two, err)
	}
	list, err := e.h.List()
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %v %v", list, err)
	}
	rot, err := e.h.RotateSecret(ep.ID, e.clock.Now())
	if err != nil || rot.Secret == ep.Secret || rot.PrevSecret != ep.Secret {
		t.Fatalf("rotate: %+v %v", rot, err)
	}
	if got := rot.secrets(e.clock.Now()); len(got) != 2 {
		t.Errorf("within the overlap both secrets sign: %d", len(got))
	}
	if got := rot.secrets(e.clock.Now().Add(2 * time.Hour)); len(got) != 1 || got[0] != rot.Secret {
		t.Errorf("after the overlap only the new one: %v", got)
	}
	if err := e.h.Delete(two.ID); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{e.h.Delete(two.ID), func() error { _, err := e.h.Get(two.ID); return err }(),
		func() error { _, err := e.h.RotateSecret("ep_nope", e.clock.Now()); return err }()} {
		if !errors.Is(err, ErrUnknown) {
			t.Errorf("after delete: %v", err)
		}
	}
}

func TestDeliverySigned(t *testing.T) {
	e := newEnv(t, Options{})
	rc := newReceiver(t, status(204))
	e.change(0)                                // before the endpoint: not delivered
	ep := e.create(rc.URL+"/in", AssetCreated) // only creations
	id := e.change(0)
	e.change(1) // an update
	e.step()
	e.step()
	got := rc.requests()
	if len(got) != 1 {
		t.Fatalf("%d requests, want 1: %+v", len(got), got)
	}
	r := got[0]
	if r.id != deliveryID(ep.ID, 2) || r.ts != strconv.FormatInt(e.clock.Now().Unix(), 10) {
		t.Errorf("headers id %q timestamp %q", r.id, r.ts)
	}
	ts, _ := strconv.ParseInt(r.ts, 10, 64)
	if want, _ := Sign(ep.Secret, r.id, time.Unix(ts, 0), r.body); r.sig != want {
		t.Errorf("signature %q, want %q", r.sig, want)
	}
	var p struct {
		Type      string         `json:"type"`
		Timestamp time.Time      `json:"timestamp"`
		Data      map[string]any `json:"data"`
	}
	if err := json.Unmarshal(r.body, &p); err != nil || p.Type != AssetCreated || p.Data["id"] != id || p.Timestamp.IsZero() {
		t.Errorf("body %s: %+v %v", r.body, p, err)
	}
	ds := e.deliveries(ep.ID)
	if len(ds) != 1 || ds[0].State != StateDelivered || len(ds[0].Attempts) != 1 || ds[0].Attempts[0].Status != 204 || ds[0].Body != string(r.body) {
		t.Errorf("log %+v", ds)
	}
	if ep := e.endpoint(ep.ID); ep.LastSuccessAt == nil || ep.FailingSince != nil {
		t.Errorf("endpoint after success %+v", ep)
	}
}

func TestRetryBackoff(t *testing.T) {
	e := newEnv(t, Options{})
	rc := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n < 2 {
			w.WriteHeader(500)
			io.WriteString(w, "down for maintenance")
			return
		}
		w.WriteHeader(200)
	})
	ep := e.create(rc.URL)
	e.change(0)
	for _, c := range []struct {
		name    string
		advance time.Duration
		want    int // requests so far
		state   string
	}{
		{"first attempt at once", 0, 1, StatePending},
		{"not before the first delay", 59 * time.Second, 1, StatePending},
		{"second after a minute", time.Second, 2, StatePending},
		{"not before the second delay", 9 * time.Minute, 2, StatePending},
		{"third after ten more", time.Minute, 3, StateDelivered},
		{"nothing more", time.Hour, 3, StateDelivered},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.clock.Add(c.advance)
			e.step()
			if n := len(rc.requests()); n != c.want {
				t.Errorf("%d requests, want %d", n, c.want)
			}
			if ds := e.deliveries(ep.ID); len(ds) != 1 || ds[0].State != c.state {
				t.Errorf("deliveries %+v", ds)
			}
		})
	}
	got := rc.requests()
	if got[0].id != got[2].id || got[0].ts == got[2].ts {
		t.Errorf("retries keep the id and sign a new timestamp: %+v", got)
	}
	d := e.deliveries(ep.ID)[0]
	if len(d.Attempts) != 3 || d.Attempts[0].Status != 500 || d.Attempts[0].Response != "down for maintenance" || d.Attempts[0].Error == "" || d.Attempts[2].Status != 200 {
		t.Errorf("attempts %+v", d.Attempts)
	}
}

func TestJitter(t *testing.T) {
	h := New(nil, Options{Schedule: []time.Duration{time.Hour}, Jitter: 0.2})
	seen := map[time.Duration]bool{}
	for range 50 {
		d := h.delay(0)
		if d < 48*time.Minute || d > 72*time.Minute {
			t.Fatalf("delay %v outside ±20%% of an hour", d)
		}
		seen[d] = true
	}
	if len(seen) < 2 {
		t.Error("no jitter")
	}
}

func TestGiveUpAndDisable(t *testing.T) {
	t.Run("a delivery that fails every attempt is given up", func(t *testing.T) {
		e := newEnv(t, Options{})
		rc := newReceiver(t, status(503))
		ep := e.create(rc.URL)
		e.change(0)
		for range 3 {
			e.step()
			e.clock.Add(11 * time.Minute)
		}
		e.step()
		if n := len(rc.requests()); n != 3 {
			t.Errorf("%d requests, want 3 (one and two retries)", n)
		}
		if ds := e.deliveries(ep.ID); len(ds) != 1 || ds[0].State != StateFailed || ds[0].Round != 3 {
			t.Errorf("deliveries %+v", ds)
		}
	})
	t.Run("an endpoint failing for DisableAfter is disabled, and enabled again by hand", func(t *testing.T) {
		e := newEnv(t, Options{DisableAfter: 30 * time.Minute, Schedule: []time.Duration{20 * time.Minute, 20 * time.Minute, 20 * time.Minute}})
		up := false
		var mu sync.Mutex
		rc := newReceiver(t, func(_ int, w http.ResponseWriter) {
			mu.Lock()
			defer mu.Unlock()
			if up {
				w.WriteHeader(200)
				return
			}
			w.WriteHeader(500)
		})
		ep := e.create(rc.URL)
		e.change(0)
		e.step() // fails; failing since now
		e.clock.Add(20 * time.Minute)
		e.step() // fails after 20m
		if e.endpoint(ep.ID).Disabled {
			t.Fatal("disabled too soon")
		}
		e.clock.Add(20 * time.Minute)
		e.step() // fails after 40m ≥ 30m: disabled
		got := e.endpoint(ep.ID)
		if !got.Disabled || got.DisabledReason == "" || got.DisabledAt == nil {
			t.Fatalf("not disabled: %+v", got)
		}
		e.change(0) // while disabled: not delivered
		e.clock.Add(time.Hour)
		e.step()
		if n := len(rc.requests()); n != 3 {
			t.Errorf("%d requests to a disabled endpoint, want 3", n)
		}
		mu.Lock()
		up = true
		mu.Unlock()
		if _, err := e.h.Enable(ep.ID, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		e.step()
		if n := len(rc.requests()); n != 4 {
			t.Errorf("%d requests after enabling, want 4 (the pending one)", n)
		}
		if ds := e.deliveries(ep.ID); len(ds) != 1 || ds[0].State != StateDelivered {
			t.Errorf("deliveries %+v", ds)
		}
		if got := e.endpoint(ep.ID); got.Disabled || got.FailingSince != nil {
			t.Errorf("endpoint %+v", got)
		}
	})
	t.Run("410 Gone disables at once", func(t *testing.T) {
		e := newEnv(t, Options{})
		rc := newReceiver(t, status(http.StatusGone))
		ep := e.create(rc.URL)
		e.change(0)
		e.change(0)
		e.step()
		if n := len(rc.requests()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
		if got := e.endpoint(ep.ID); !got.Disabled {
			t.Errorf("endpoint %+v", got)
		}
	})
}

func TestSafety(t *testing.T) {
	t.Run("redirects are not followed", func(t *testing.T) {
		e := newEnv(t, Options{})
		target := newReceiver(t, status(200))
		rc := newReceiver(t, func(_ int, w http.ResponseWriter) {
			w.Header().Set("Location", target.URL)
			w.WriteHeader(http.StatusTemporaryRedirect)
		})
		ep := e.create(rc.URL)
		e.change(0)
		e.step()
		if len(target.requests()) != 0 {
			t.Error("the redirect was followed")
		}
		if d := e.deliveries(ep.ID)[0]; d.State != StatePending || d.Attempts[0].Status != 307 {
			t.Errorf("delivery %+v", d)
		}
	})
	t.Run("an attempt times out", func(t *testing.T) {
		e := newEnv(t, Options{Timeout: 100 * time.Millisecond})
		rc := newReceiver(t, func(_ int, w http.ResponseWriter) { time.Sleep(time.Second) })
		ep := e.create(rc.URL)
		e.change(0)
		start := time.Now()
		e.step()
		if time.Since(start) > 900*time.Millisecond {
			t.Errorf("the attempt took %v", time.Since(start))
		}
		if d := e.deliveries(ep.ID)[0]; d.Attempts[0].Error == "" || d.Attempts[0].Status != 0 {
			t.Errorf("delivery %+v", d)
		}
	})
	t.Run("a long response is read only so far", func(t *testing.T) {
		e := newEnv(t, Options{})
		rc := newReceiver(t, func(_ int, w http.ResponseWriter) {
			w.WriteHeader(200)
			io.WriteString(w, strings.Repeat("é", 1<<20))
		})
		ep := e.create(rc.URL)
		e.change(0)
		e.step()
		if d := e.deliveries(ep.ID)[0]; d.State != StateDelivered || len(d.Attempts[0].Response) > keepResponse {
			t.Errorf("kept %d bytes of the response", len(d.Attempts[0].Response))
		}
	})
	t.Run("Retry-After is honoured", func(t *testing.T) {
		e := newEnv(t, Options{})
		rc := newReceiver(t, func(_ int, w http.ResponseWriter) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		ep := e.create(rc.URL)
		e.change(0)
		e.step()
		if d := e.deliveries(ep.ID)[0]; !d.NextAt.Equal(e.clock.Now().Add(time.Hour)) {
			t.Errorf("next attempt %v, want an hour after %v", d.NextAt, e.clock.Now())
		}
	})
}

// TestOnceAcrossCrashes: a change done again (the cursor lost) makes no
// second delivery, and one acknowledged is not sent again even if a crash
// left it in the outbox.
func TestOnceAcrossCrashes(t *testing.T) {
	e := newEnv(t, Options{})
	rc := newReceiver(t, status(200))
	ep := e.create(rc.URL)
	e.change(0)
	e.change(0)
	e.step()
	if n := len(rc.requests()); n != 2 {
		t.Fatalf("%d requests", n)
	}
	var cur uint64
	if err := e.h.state.Delete(cursorKey, &cur, func(bool) (bool, error) { return true, nil }); err != nil {
		t.Fatal(err)
	}
	done := e.deliveries(ep.ID)[0]
	done.State = StatePending
	v := done
	if err := e.h.outbox.Modify(deliveryKey(ep.ID, done.Seq), &v, func(bool) (bool, error) { v = done; return true, nil }); err != nil {
		t.Fatal(err)
	}
	e.step()
	e.step()
	if n := len(rc.requests()); n != 2 {
		t.Errorf("%d requests after the crash, want still 2", n)
	}
	keys, _ := scanKeys(e.h.outbox, "")
	if len(keys) != 0 {
		t.Errorf("outbox keeps %v", keys)
	}
	if ds := e.deliveries(ep.ID); len(ds) != 2 {
		t.Errorf("%d deliveries", len(ds))
	}
}

// TestRunStops: Run delivers with real time and returns when its context
// is cancelled; deleting an endpoint drops its deliveries.
func TestRunStops(t *testing.T) {
	a, err := archive.Open(t.TempDir(), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	h := New(a.Store(), Options{Poll: 10 * time.Millisecond})
	rc := newReceiver(t, status(200))
	ep, err := h.Create(NewEndpoint{URL: rc.URL}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- h.Run(ctx, render) }()
	if _, err := a.Store().Put(&archive.Record{ID: strings.Repeat("a", 64), UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(rc.requests()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
	if len(rc.requests()) != 1 {
		t.Errorf("%d requests", len(rc.requests()))
	}
	if err := h.Delete(ep.ID); err != nil {
		t.Fatal(err)
	}
	if keys, _ := scanKeys(h.log, ""); len(keys) != 0 {
		t.Errorf("log keeps %v", keys)
	}
}

// TestSuperseded: a change that a later change of the same asset
// superseded, in the batch or while it was rendered, makes no delivery;
// the later one does.
func TestSuperseded(t *testing.T) {
	e := newEnv(t, Options{})
	rc := newReceiver(t, status(200))
	ep := e.create(rc.URL)
	e.change(0)
	e.change(1) // supersedes the creation in the same batch
	e.step()
	if ds := e.deliveries(ep.ID); len(ds) != 1 || ds[0].Seq != 2 || ds[0].Type != AssetUpdated {
		t.Fatalf("in one batch: %+v", ds)
	}
	e.change(1) // seq 3, rendered while seq 4 is made
	raced := false
	e.h.newDispatcher(func(ctx context.Context, view string, c archive.Change) (Event, bool, error) {
		if !raced {
			raced = true
			e.change(1)
		}
		return render(ctx, view, c)
	}).step(t.Context())
	if ds := e.deliveries(ep.ID); len(ds) != 1 {
		t.Fatalf("the change superseded while rendered was delivered: %+v", ds)
	}
	e.step()
	if ds := e.deliveries(ep.ID); len(ds) != 2 || ds[0].Seq != 4 {
		t.Fatalf("the later change: %+v", ds)
	}
	if n := len(rc.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

// TestDeletedDuringAttempt: an endpoint deleted while a delivery to it is
// in flight leaves nothing behind.
func TestDeletedDuringAttempt(t *testing.T) {
	e := newEnv(t, Options{})
	var id string
	rc := newReceiver(t, func(_ int, w http.ResponseWriter) {
		if err := e.h.Delete(id); err != nil {
			t.Error(err)
		}
		w.WriteHeader(200)
	})
	id = e.create(rc.URL).ID
	e.change(0)
	e.step()
	if n := len(rc.requests()); n != 1 {
		t.Fatalf("%d requests", n)
	}
	for _, tb := range []archive.Table{e.h.outbox, e.h.log} {
		if keys, _ := scanKeys(tb, ""); len(keys) != 0 {
			t.Errorf("left behind: %v", keys)
		}
	}
}
