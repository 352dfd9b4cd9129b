package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

// Options tune the dispatcher. Zero values are the defaults.
type Options struct {
	// Schedule is the delay before each retry after a failed attempt (the
	// first attempt is immediate); a delivery that fails them all is given
	// up. Default: 5s, 5m, 30m, 2h, 5h, 10h, 14h, 20h, 24h (the
	// specification's example, about three days).
	Schedule []time.Duration
	// Jitter spreads each delay by ± this fraction; default 0.2, negative
	// for none.
	Jitter float64
	// Timeout bounds one attempt, response included; default 15s.
	Timeout time.Duration
	// Poll is how often the change sequence and the outbox are looked at;
	// default 1s.
	Poll time.Duration
	// DisableAfter disables an endpoint whose attempts have all failed for
	// this long; default five days. A 410 Gone answer disables it at once.
	DisableAfter time.Duration
	// RotationOverlap is how long a rotated secret still signs; default 24h.
	RotationOverlap time.Duration
	// KeepLog is how many finished deliveries are kept per endpoint;
	// default 100.
	KeepLog int
	// Workers is how many endpoints are sent to at once; default 4.
	Workers int
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Schedule == nil {
		o.Schedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
			5 * time.Hour, 10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 24 * time.Hour}
	}
	if o.Jitter == 0 {
		o.Jitter = 0.2
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.DisableAfter <= 0 {
		o.DisableAfter = 5 * 24 * time.Hour
	}
	if o.RotationOverlap <= 0 {
		o.RotationOverlap = 24 * time.Hour
	}
	if o.KeepLog <= 0 {
		o.KeepLog = 100
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Limits of what is read and kept of an attempt.
const (
	keepResponse = 512      // bytes of the response body kept in the log
	drainBody    = 64 << 10 // bytes read of it at most
	keepAttempts = 50       // attempts kept per delivery
	batchChanges = 1000     // changes turned into deliveries per step
	cursorKey    = "cursor"
)

// States of a delivery.
const (
	StatePending   = "pending"
	StateDelivered = "delivered"
	StateFailed    = "failed" // every attempt of the schedule failed
)

// Delivery is one event for one endpoint: its id (webhook-id), the body
// sent byte for byte at every attempt, and the attempts so far.
type Delivery struct {
	ID        string    `json:"id"`
	Endpoint  string    `json:"endpoint"`
	Seq       uint64    `json:"seq"`
	Type      string    `json:"type"`
	Body      string    `json:"body"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
	// NextAt is when a pending delivery is tried next.
	NextAt time.Time `json:"next_attempt_at,omitzero"`
	// Round counts the failed attempts of the schedule so far (reset when
	// the endpoint is enabled again).
	Round    int       `json:"round"`
	Attempts []Attempt `json:"attempts"`
	asset    string    // the change's asset, while enqueued
}

// Attempt is one try at sending a delivery.
type Attempt struct {
	At         time.Time `json:"at"`
	Status     int       `json:"status,omitempty"` // 0: no HTTP answer
	Error      string    `json:"error,omitempty"`
	DurationMS int64     `json:"duration_ms"`
	Response   string    `json:"response,omitempty"` // the body's first bytes
}

// Event is what a change means to an endpoint's view: its type (one of
// EventTypes), when it happened and its data.
type Event struct {
	Type string
	At   time.Time
	Data any
}

// Renderer turns change c into the event a caller with view sees; ok is
// false when that view has nothing to say about it.
type Renderer func(ctx context.Context, view string, c archive.Change) (ev Event, ok bool, err error)

// payload is the body of a delivery, as the specification suggests.
type payload struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

// deliveryKey is a delivery's key in the outbox and the log: by endpoint,
// then in change order.
func deliveryKey(endpoint string, seq uint64) string { return fmt.Sprintf("%s/%016x", endpoint, seq) }

// deliveryID is the webhook-id of the change seq for endpoint: the same
// at every attempt and after every restart.
func deliveryID(endpoint string, seq uint64) string {
	return "msg_" + strings.TrimPrefix(endpoint, "ep_") + "_" + strconv.FormatUint(seq, 10)
}

// errBatchFull stops the walk of the change sequence.
var errBatchFull = errors.New("webhooks: batch full")

// Run follows the change sequence and sends the deliveries until ctx is
// cancelled; attempts in flight then finish (each within
// Options.Timeout), and no new one starts.
func (h *Hooks) Run(ctx context.Context, render Renderer) error {
	d := h.newDispatcher(render)
	t := time.NewTicker(h.o.Poll)
	defer t.Stop()
	for {
		d.step(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// dispatcher is the state of one Run.
type dispatcher struct {
	h      *Hooks
	client *http.Client
	render Renderer
	// nextDue is when the outbox has something due, as its last scan
	// found; the zero time: scan at the next step.
	nextDue time.Time
}

func (h *Hooks) newDispatcher(render Renderer) *dispatcher {
	return &dispatcher{h: h, render: render, client: &http.Client{
		Timeout: h.o.Timeout,
		// A redirect is a failure: the admin should update the URL.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// step turns new changes into deliveries and sends those that are due.
// The outbox is scanned only when something may be due: a new delivery,
// an endpoint enabled, the earliest next attempt reached, or an attempt
// made at the last step.
func (d *dispatcher) step(ctx context.Context) {
	h := d.h
	added, err := h.enqueue(ctx, d.render)
	if err != nil && ctx.Err() == nil {
		h.o.Logger.Warn("webhooks: enqueue", "err", err)
	}
	select {
	case <-h.wake:
		added++
	default:
	}
	if ctx.Err() != nil || (added == 0 && !d.nextDue.IsZero() && h.o.Now().Before(d.nextDue)) {
		return
	}
	if d.nextDue, err = h.deliver(ctx, d.client); err != nil && ctx.Err() == nil {
		h.o.Logger.Warn("webhooks: deliver", "err", err)
	}
}

// enqueue turns the changes after the cursor into deliveries for the
// enabled endpoints made before them, and moves the cursor on. A delivery
// that exists (pending or in the log) is left as it is, so doing a change
// twice (a crash before the cursor was saved) makes nothing new.
//
// As in the change feed, a change that a later change of the same asset
// has superseded says nothing: the later one tells the asset's state. The
// changes made while a batch was rendered are looked at after it, so an
// event never tells a state that a later event tells again.
func (h *Hooks) enqueue(ctx context.Context, render Renderer) (added int, err error) {
	var cursor uint64
	if _, err := h.state.Get(cursorKey, &cursor); err != nil {
		return 0, err
	}
	// The changes before the oldest enabled endpoint are nobody's: the
	// cursor skips them (the last change first: an endpoint made after
	// it is listed and starts after it).
	floor, err := h.store.LastSeq()
	if err != nil {
		return 0, fmt.Errorf("webhooks: last change: %w", err)
	}
	all, err := h.List()
	if err != nil {
		return 0, err
	}
	var eps []Endpoint
	for _, e := range all {
		if !e.Disabled {
			eps = append(eps, e)
			floor = min(floor, e.StartSeq)
		}
	}
	if cursor < floor {
		if err := h.saveCursor(floor); err != nil {
			return 0, err
		}
		cursor = floor
	}
	changes, err := h.changesAfter(cursor)
	if err != nil || len(changes) == 0 {
		return 0, err
	}
	last := map[string]uint64{}
	for _, c := range changes {
		last[c.ID] = c.Seq
	}
	now := h.o.Now().UTC()
	var out []Delivery
	for _, c := range changes {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if last[c.ID] != c.Seq {
			continue
		}
		ds, err := h.deliveriesOf(ctx, c, eps, render, now)
		if err != nil {
			return 0, err
		}
		out = append(out, ds...)
	}
	end := changes[len(changes)-1].Seq
	later, err := h.changesAfter(end)
	if err != nil {
		return 0, err
	}
	superseded := map[string]bool{}
	for _, c := range later {
		superseded[c.ID] = true
	}
	for _, d := range out {
		if !superseded[d.asset] {
			if err := h.put(d); err != nil {
				return added, err
			}
			added++
		}
	}
	return added, h.saveCursor(end)
}

// changesAfter returns at most batchChanges changes after seq.
func (h *Hooks) changesAfter(seq uint64) ([]archive.Change, error) {
	var changes []archive.Change
	err := h.store.ChangesSince(seq, func(c archive.Change) error {
		changes = append(changes, c)
		if len(changes) == batchChanges {
			return errBatchFull
		}
		return nil
	})
	if err != nil && !errors.Is(err, errBatchFull) {
		return nil, fmt.Errorf("webhooks: changes after %d: %w", seq, err)
	}
	return changes, nil
}

// deliveriesOf renders change c once per view and returns a delivery for
// each endpoint made before it that wants its event.
func (h *Hooks) deliveriesOf(ctx context.Context, c archive.Change, eps []Endpoint, render Renderer, now time.Time) ([]Delivery, error) {
	type rendered struct {
		typ, body string
		ok        bool
	}
	views := map[string]rendered{}
	var out []Delivery
	for _, e := range eps {
		if c.Seq <= e.StartSeq {
			continue
		}
		r, seen := views[e.View]
		if !seen {
			ev, ok, err := render(ctx, e.View, c)
			if err != nil {
				return nil, fmt.Errorf("webhooks: change %d of %s: %w", c.Seq, c.ID, err)
			}
			r = rendered{typ: ev.Type, ok: ok}
			if ok {
				b, err := json.Marshal(payload{Type: ev.Type, Timestamp: ev.At.UTC(), Data: ev.Data})
				if err != nil {
					return nil, fmt.Errorf("webhooks: change %d of %s: %w", c.Seq, c.ID, err)
				}
				r.body = string(b)
			}
			views[e.View] = r
		}
		if r.ok && e.wants(r.typ) {
			out = append(out, Delivery{
				ID: deliveryID(e.ID, c.Seq), Endpoint: e.ID, Seq: c.Seq, Type: r.typ, Body: r.body,
				State: StatePending, CreatedAt: now, NextAt: now, Attempts: []Attempt{}, asset: c.ID,
			})
		}
	}
	return out, nil
}

func (h *Hooks) saveCursor(seq uint64) error {
	var cur uint64
	return h.state.Modify(cursorKey, &cur, func(bool) (bool, error) {
		if cur >= seq {
			return false, nil
		}
		cur = seq
		return true, nil
	})
}

// put adds d to the outbox unless it is there or in the log already.
func (h *Hooks) put(d Delivery) error {
	key := deliveryKey(d.Endpoint, d.Seq)
	var old Delivery
	if found, err := h.log.Get(key, &old); err != nil || found {
		return err
	}
	v := d
	return h.outbox.Modify(key, &v, func(found bool) (bool, error) {
		if found {
			return false, nil
		}
		v = d
		return true, nil
	})
}

// deliver sends every due delivery: one endpoint's in change order, up to
// Options.Workers endpoints at once. It returns when the outbox next has
// something due: the earliest next attempt when nothing was due, the zero
// time (look again at once) when something was sent.
func (h *Hooks) deliver(ctx context.Context, client *http.Client) (time.Time, error) {
	now := h.o.Now()
	var order []string
	var next time.Time
	due := map[string][]string{}
	err := h.outbox.Scan("", func(key string, decode func(any) error) error {
		var d Delivery
		if err := decode(&d); err != nil {
			return err
		}
		if d.NextAt.After(now) {
			if next.IsZero() || d.NextAt.Before(next) {
				next = d.NextAt
			}
			return nil
		}
		if _, ok := due[d.Endpoint]; !ok {
			order = append(order, d.Endpoint)
		}
		due[d.Endpoint] = append(due[d.Endpoint], key)
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("webhooks: outbox: %w", err)
	}
	if len(order) == 0 {
		if next.IsZero() { // an empty outbox: only new deliveries wake it
			next = now.Add(maxRetryAfter)
		}
		return next, nil
	}
	sem := make(chan struct{}, h.o.Workers)
	var wg sync.WaitGroup
	for _, ep := range order {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			for _, key := range due[ep] {
				if ctx.Err() != nil {
					return
				}
				stop, err := h.attempt(ctx, client, ep, key)
				if err != nil {
					h.o.Logger.Warn("webhooks: delivery", "endpoint", ep, "key", key, "err", err)
				}
				if stop || err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Time{}, nil
}

// attempt sends the delivery key once and records the outcome; stop says
// the endpoint takes nothing more now (it is gone or disabled).
func (h *Hooks) attempt(ctx context.Context, client *http.Client, ep, key string) (stop bool, err error) {
	e, err := h.Get(ep)
	if errors.Is(err, ErrUnknown) { // deleted: its deliveries go with it
		var d Delivery
		return true, h.outbox.Delete(key, &d, func(bool) (bool, error) { return true, nil })
	}
	if err != nil || e.Disabled {
		return true, err
	}
	var d Delivery
	found, err := h.outbox.Get(key, &d)
	if err != nil || !found {
		return false, err
	}
	var logged Delivery
	if found, err := h.log.Get(key, &logged); err != nil {
		return false, err
	} else if found { // acknowledged before a crash: never sent again
		return false, h.outbox.Delete(key, &d, func(bool) (bool, error) { return true, nil })
	}
	a, retryAfter := h.send(ctx, client, e, d)
	now := h.o.Now().UTC()
	d.Attempts = append(d.Attempts, a)
	if len(d.Attempts) > keepAttempts {
		d.Attempts = d.Attempts[len(d.Attempts)-keepAttempts:]
	}
	if a.Status >= 200 && a.Status < 300 {
		d.State, d.NextAt = StateDelivered, time.Time{}
		if err := h.finish(d); err != nil {
			return false, err
		}
		_, err := h.update(ep, func(e *Endpoint) error {
			e.FailingSince, e.LastSuccessAt = nil, &now
			return nil
		})
		return false, h.goneWith(ep, key, err)
	}
	h.o.Logger.Info("webhooks: attempt failed", "endpoint", ep, "id", d.ID, "status", a.Status, "err", a.Error)
	d.Round++
	if a.Status == http.StatusGone {
		if err := h.reschedule(key, d); err != nil {
			return true, err
		}
		return true, h.goneWith(ep, key, h.disable(ep, "the endpoint answered 410 Gone", now))
	}
	if d.Round > len(h.o.Schedule) {
		d.State, d.NextAt = StateFailed, time.Time{}
		if err := h.finish(d); err != nil {
			return false, err
		}
	} else {
		d.NextAt = now.Add(max(h.delay(d.Round-1), retryAfter))
		if err := h.reschedule(key, d); err != nil {
			return false, err
		}
	}
	var disabled bool
	_, err = h.update(ep, func(e *Endpoint) error {
		switch {
		case e.FailingSince == nil:
			e.FailingSince = &now
		case !e.Disabled && now.Sub(*e.FailingSince) >= h.o.DisableAfter:
			disabled = true
			e.Disabled, e.DisabledAt = true, &now
			e.DisabledReason = "every attempt failed since " + e.FailingSince.Format(time.RFC3339)
		}
		return nil
	})
	if disabled {
		h.o.Logger.Warn("webhooks: endpoint disabled after repeated failure", "endpoint", ep)
	}
	return disabled, h.goneWith(ep, key, err)
}

// goneWith handles err of updating the endpoint ep after an attempt at
// key: an endpoint deleted during the attempt takes the delivery's log
// entry with it.
func (h *Hooks) goneWith(ep, key string, err error) error {
	if !errors.Is(err, ErrUnknown) {
		return err
	}
	var d Delivery
	return h.log.Delete(key, &d, func(bool) (bool, error) { return true, nil })
}

// reschedule stores the pending delivery d again (unless the endpoint was
// deleted meanwhile and took it with it).
func (h *Hooks) reschedule(key string, d Delivery) error {
	v := d
	return h.outbox.Modify(key, &v, func(found bool) (bool, error) {
		v = d
		return found, nil
	})
}

// finish moves d from the outbox to the log: the log first, so that a
// crash in between leaves a delivery attempt() finds acknowledged.
func (h *Hooks) finish(d Delivery) error {
	key := deliveryKey(d.Endpoint, d.Seq)
	v := d
	if err := h.log.Modify(key, &v, func(bool) (bool, error) { v = d; return true, nil }); err != nil {
		return err
	}
	var old Delivery
	if err := h.outbox.Delete(key, &old, func(bool) (bool, error) { return true, nil }); err != nil {
		return err
	}
	keys, err := scanKeys(h.log, d.Endpoint+"/")
	if err != nil {
		return err
	}
	for len(keys) > h.o.KeepLog {
		if err := h.log.Delete(keys[0], &old, func(bool) (bool, error) { return true, nil }); err != nil {
			return err
		}
		keys = keys[1:]
	}
	return nil
}

// delay is the wait after the failed attempt round (0-based), with jitter.
func (h *Hooks) delay(round int) time.Duration {
	d := h.o.Schedule[round]
	if h.o.Jitter > 0 {
		d = time.Duration(float64(d) * (1 - h.o.Jitter + 2*h.o.Jitter*rand.Float64()))
	}
	return d
}

// maxRetryAfter bounds what a receiver's Retry-After may ask for.
const maxRetryAfter = 24 * time.Hour

// send posts d to e once. The request is not cut by ctx: an attempt in
// flight at shutdown finishes (within Options.Timeout), so a delivery the
// receiver took is recorded as acknowledged. retryAfter is the
// receiver's Retry-After, if any.
func (h *Hooks) send(ctx context.Context, client *http.Client, e Endpoint, d Delivery) (a Attempt, retryAfter time.Duration) {
	at := h.o.Now()
	a.At = at.UTC()
	sig, err := signatures(e.secrets(at), d.ID, at, []byte(d.Body))
	if err != nil {
		a.Error = err.Error()
		return a, 0
	}
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodPost, e.URL, strings.NewReader(d.Body))
	if err != nil {
		a.Error = err.Error()
		return a, 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "promo-archive-webhooks/1")
	req.Header.Set("webhook-id", d.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	start := time.Now()
	resp, err := client.Do(req)
	defer func() { a.DurationMS = time.Since(start).Milliseconds() }()
	if err != nil {
		a.Error = err.Error()
		return a, 0
	}
	defer resp.Body.Close()
	a.Status = resp.StatusCode
	head, _ := io.ReadAll(io.LimitReader(resp.Body, keepResponse))
	io.Copy(io.Discard, io.LimitReader(resp.Body, drainBody))
	a.Response = strings.ToValidUTF8(string(head), "")
	if a.Status < 200 || a.Status > 299 {
		a.Error = "HTTP " + resp.Status
	}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			retryAfter = time.Duration(n) * time.Second
		} else if t, err := http.ParseTime(s); err == nil {
			retryAfter = t.Sub(at)
		}
	}
	return a, min(retryAfter, maxRetryAfter)
}
