// Package webhooks owns the archive's outgoing webhooks: the endpoints an
// admin registers (URL, event types, the view whose changes they follow,
// the signing secret), the persistent outbox of deliveries, their retries
// with exponential backoff, the delivery log, and the automatic disabling
// of an endpoint that keeps failing. Deliveries follow the Standard
// Webhooks specification (webhook-id, webhook-timestamp and
// webhook-signature headers; HMAC-SHA256 over "id.timestamp.body" with a
// whsec_ secret).
//
// Everything lives in archive.db tables (archive.Table):
//
//	webhooks         endpoint id → Endpoint (with its secret, which must be kept to sign)
//	webhook_outbox   endpoint id "/" change seq (16 hex) → Delivery still to send
//	webhook_log      the same key → Delivery delivered or given up (the newest KeepLog per endpoint)
//	webhook_state    "cursor" → the last change sequence number turned into deliveries
//
// The Dispatcher (dispatch.go) follows the store's change sequence from the
// persisted cursor: each change becomes at most one delivery per endpoint,
// whose id is derived from the endpoint and the change, so a restart never
// makes a second id for an event, and an acknowledged delivery is never
// sent again. What an event says is decided by the caller's Renderer (the
// API's view of an asset for a role).
package webhooks

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"golang.org/x/text/unicode/norm"
)

// Tables of archive.db.
const (
	endpointTable = "webhooks"
	outboxTable   = "webhook_outbox"
	logTable      = "webhook_log"
	stateTable    = "webhook_state"
)

// Event types an endpoint may subscribe to.
const (
	AssetCreated   = "asset.created"
	AssetUpdated   = "asset.updated"
	AssetWithdrawn = "asset.withdrawn"
	AssetHidden    = "asset.hidden"
)

// EventTypes lists every event type, in the order documents show them.
func EventTypes() []string {
	return []string{AssetCreated, AssetUpdated, AssetWithdrawn, AssetHidden}
}

// Views whose changes an endpoint may follow: what a caller with that
// role sees (public is an anonymous caller, like the portal).
const (
	ViewPublic  = "public"
	ViewPortal  = "portal"
	ViewAgency  = "agency"
	ViewCurator = "curator"
)

// Errors of webhooks. Match them with errors.Is; a refused setting is an
// *InvalidError too.
var (
	ErrUnknown = errors.New("webhooks: no such endpoint")
	ErrInvalid = errors.New("webhooks: invalid endpoint")
)

// InvalidError is a refused setting of an endpoint: which (url, events or
// view) and why. It matches ErrInvalid.
type InvalidError struct {
	Field, Reason string
}

func (e *InvalidError) Error() string { return "webhooks: " + e.Field + ": " + e.Reason }

// Is makes an InvalidError match ErrInvalid.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &InvalidError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// secretPrefix starts every signing secret, as the specification says.
const secretPrefix = "whsec_"

// maxURL bounds an endpoint's URL.
const maxURL = 2048

// Endpoint is a registered receiver of webhooks.
type Endpoint struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Description string    `json:"description,omitempty"`
	Events      []string  `json:"events"`
	View        string    `json:"view"`
	CreatedAt   time.Time `json:"created_at"`
	// StartSeq is the store's last change when the endpoint was made:
	// only later changes are delivered to it.
	StartSeq uint64 `json:"start_seq"`
	// Secret signs the deliveries; PrevSecret, after a rotation, signs
	// them too until PrevUntil, so receivers can switch without a gap.
	Secret     string     `json:"secret"`
	PrevSecret string     `json:"prev_secret,omitempty"`
	PrevUntil  *time.Time `json:"prev_until,omitempty"`
	// Disabled endpoints get nothing: changes made meanwhile are not
	// delivered, and their pending deliveries wait until Enable.
	Disabled       bool       `json:"disabled"`
	DisabledAt     *time.Time `json:"disabled_at,omitempty"`
	DisabledReason string     `json:"disabled_reason,omitempty"`
	// FailingSince is the first failed attempt since the last success.
	FailingSince *time.Time `json:"failing_since,omitempty"`
	// LastSuccessAt is the last acknowledged delivery.
	LastSuccessAt *time.Time `json:"last_success_at,omitempty"`
}

// wants reports whether the endpoint subscribed to the event type.
func (e Endpoint) wants(typ string) bool { return slices.Contains(e.Events, typ) }

// secrets are the secrets that sign a delivery at now.
func (e Endpoint) secrets(now time.Time) []string {
	s := []string{e.Secret}
	if e.PrevSecret != "" && e.PrevUntil != nil && now.Before(*e.PrevUntil) {
		s = append(s, e.PrevSecret)
	}
	return s
}

// NewEndpoint is what an admin gives to register an endpoint.
type NewEndpoint struct {
	URL         string
	Description string
	Events      []string // nil or empty: every event type
	View        string   // "": ViewPublic
}

// Hooks is the archive's webhook endpoints and their outbox.
type Hooks struct {
	store     *archive.Store
	endpoints archive.Table
	outbox    archive.Table
	log       archive.Table
	state     archive.Table
	o         Options
	// wake tells the dispatcher that deliveries became due before the
	// time it waits for (Enable).
	wake chan struct{}
}

// New returns the webhooks of the store s with the options o (zero
// values are the defaults).
func New(s *archive.Store, o Options) *Hooks {
	return &Hooks{
		store: s, endpoints: s.Table(endpointTable), outbox: s.Table(outboxTable),
		log: s.Table(logTable), state: s.Table(stateTable), o: o.withDefaults(), wake: make(chan struct{}, 1),
	}
}

// CheckURL accepts an absolute http or https URL without credentials or
// fragment.
func CheckURL(raw string) error {
	if len(raw) > maxURL {
		return invalid("url", "the URL is longer than %d bytes", maxURL)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return invalid("url", "not a URL: %v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return invalid("url", "the URL must be http or https")
	case u.Host == "" || u.Hostname() == "":
		return invalid("url", "the URL has no host")
	case u.User != nil:
		return invalid("url", "the URL must not carry credentials")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return invalid("url", "the URL must not have a fragment")
	}
	return nil
}

// checkEvents returns the event types, every one when none is given.
func checkEvents(events []string) ([]string, error) {
	if len(events) == 0 {
		return EventTypes(), nil
	}
	var out []string
	for _, e := range events {
		if !slices.Contains(EventTypes(), e) {
			return nil, invalid("events", "unknown event type %q (known: %s)", e, strings.Join(EventTypes(), ", "))
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Views lists every view.
func Views() []string { return []string{ViewPublic, ViewPortal, ViewAgency, ViewCurator} }

// checkView returns the view, ViewPublic when none is given.
func checkView(v string) (string, error) {
	switch {
	case v == "":
		return ViewPublic, nil
	case slices.Contains(Views(), v):
		return v, nil
	}
	return "", invalid("view", "%q is not %s", v, strings.Join(Views(), ", "))
}

// randomText returns n random bytes, encoded.
func randomText(n int, enc func([]byte) string) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("webhooks: random bytes: %w", err)
	}
	return enc(b), nil
}

// newSecret returns a new signing secret: whsec_ and 24 random bytes in
// standard base64, the form the Standard Webhooks libraries read.
func newSecret() (string, error) {
	s, err := randomText(24, base64.StdEncoding.EncodeToString)
	return secretPrefix + s, err
}

// Create registers an endpoint and returns it with its secret (shown to
// the admin once; the API never shows it again).
func (h *Hooks) Create(n NewEndpoint, now time.Time) (Endpoint, error) {
	n.URL = strings.TrimSpace(n.URL)
	if err := CheckURL(n.URL); err != nil {
		return Endpoint{}, err
	}
	events, err := checkEvents(n.Events)
	if err != nil {
		return Endpoint{}, err
	}
	view, err := checkView(n.View)
	if err != nil {
		return Endpoint{}, err
	}
	id, err := randomText(8, hex.EncodeToString)
	if err != nil {
		return Endpoint{}, err
	}
	secret, err := newSecret()
	if err != nil {
		return Endpoint{}, err
	}
	seq, err := h.store.LastSeq()
	if err != nil {
		return Endpoint{}, fmt.Errorf("webhooks: last change: %w", err)
	}
	e := Endpoint{
		ID: "ep_" + id, URL: n.URL, Description: norm.NFC.String(strings.TrimSpace(n.Description)),
		Events: events, View: view, CreatedAt: now.UTC().Truncate(time.Second), StartSeq: seq, Secret: secret,
	}
	stored := e
	err = h.endpoints.Modify(e.ID, &stored, func(found bool) (bool, error) {
		if found {
			return false, errors.New("webhooks: a new endpoint id collides with a stored one")
		}
		return true, nil
	})
	return e, err
}

// List returns every endpoint, oldest first.
func (h *Hooks) List() ([]Endpoint, error) {
	var out []Endpoint
	err := h.endpoints.Scan("", func(_ string, decode func(any) error) error {
		var e Endpoint
		if err := decode(&e); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("webhooks: list: %w", err)
	}
	slices.SortFunc(out, func(a, b Endpoint) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Get returns the endpoint id, or ErrUnknown.
func (h *Hooks) Get(id string) (Endpoint, error) {
	var e Endpoint
	found, err := h.endpoints.Get(id, &e)
	switch {
	case err != nil:
		return Endpoint{}, err
	case !found:
		return Endpoint{}, fmt.Errorf("%w: %s", ErrUnknown, id)
	}
	return e, nil
}

// update changes the stored endpoint id with fn, in one transaction.
func (h *Hooks) update(id string, fn func(e *Endpoint) error) (Endpoint, error) {
	var e Endpoint
	err := h.endpoints.Modify(id, &e, func(found bool) (bool, error) {
		if !found {
			return false, fmt.Errorf("%w: %s", ErrUnknown, id)
		}
		return true, fn(&e)
	})
	return e, err
}

// Delete removes the endpoint id, its pending deliveries and its log.
func (h *Hooks) Delete(id string) error {
	var e Endpoint
	err := h.endpoints.Delete(id, &e, func(found bool) (bool, error) {
		if !found {
			return false, fmt.Errorf("%w: %s", ErrUnknown, id)
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, t := range []archive.Table{h.outbox, h.log} {
		keys, err := scanKeys(t, id+"/")
		if err != nil {
			return err
		}
		for _, k := range keys {
			var d Delivery
			if err := t.Delete(k, &d, func(bool) (bool, error) { return true, nil }); err != nil {
				return err
			}
		}
	}
	return nil
}

// scanKeys returns the keys of t that start with prefix.
func scanKeys(t archive.Table, prefix string) ([]string, error) {
	var keys []string
	err := t.Scan(prefix, func(k string, _ func(any) error) error {
		keys = append(keys, k)
		return nil
	})
	return keys, err
}

// RotateSecret gives the endpoint a new secret, returned once; the old
// one keeps signing deliveries beside it for Options.RotationOverlap.
func (h *Hooks) RotateSecret(id string, now time.Time) (Endpoint, error) {
	secret, err := newSecret()
	if err != nil {
		return Endpoint{}, err
	}
	return h.update(id, func(e *Endpoint) error {
		until := now.Add(h.o.RotationOverlap).UTC()
		e.PrevSecret, e.PrevUntil, e.Secret = e.Secret, &until, secret
		return nil
	})
}

// Enable turns a disabled endpoint back on: its pending deliveries are
// tried again at once, with their attempts counted from zero.
func (h *Hooks) Enable(id string, now time.Time) (Endpoint, error) {
	e, err := h.update(id, func(e *Endpoint) error {
		e.Disabled, e.DisabledAt, e.DisabledReason, e.FailingSince = false, nil, "", nil
		return nil
	})
	if err != nil {
		return e, err
	}
	keys, err := scanKeys(h.outbox, id+"/")
	if err != nil {
		return e, err
	}
	for _, k := range keys {
		var d Delivery
		err := h.outbox.Modify(k, &d, func(found bool) (bool, error) {
			if !found {
				return false, nil
			}
			d.NextAt, d.Round = now.UTC(), 0
			return true, nil
		})
		if err != nil {
			return e, err
		}
	}
	select {
	case h.wake <- struct{}{}:
	default:
	}
	return e, nil
}

// disable turns the endpoint off for reason.
func (h *Hooks) disable(id, reason string, now time.Time) error {
	_, err := h.update(id, func(e *Endpoint) error {
		if !e.Disabled {
			t := now.UTC()
			e.Disabled, e.DisabledAt, e.DisabledReason = true, &t, reason
		}
		return nil
	})
	return err
}

// Deliveries returns the endpoint's pending deliveries and the newest
// finished ones, at most limit in all, newest first.
func (h *Hooks) Deliveries(id string, limit int) ([]Delivery, error) {
	var out []Delivery
	for _, t := range []archive.Table{h.outbox, h.log} {
		err := t.Scan(id+"/", func(_ string, decode func(any) error) error {
			var d Delivery
			if err := decode(&d); err != nil {
				return err
			}
			out = append(out, d)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("webhooks: deliveries of %s: %w", id, err)
		}
	}
	slices.SortFunc(out, func(a, b Delivery) int {
		return cmp.Compare(b.Seq, a.Seq) // newest first
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
