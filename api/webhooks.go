package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/keys"
	"github.com/haiduong/promo-archive/archive/webhooks"
)

// webhookRequest is the body of POST /v1/webhooks.
type webhookRequest struct {
	URL         string   `json:"url"`
	Description string   `json:"description,omitempty"`
	Events      []string `json:"events,omitempty"`
	View        string   `json:"view,omitempty"`
}

// webhookOut is an endpoint as the API shows it: never its secrets.
type webhookOut struct {
	ID             string     `json:"id"`
	URL            string     `json:"url"`
	Description    string     `json:"description,omitempty"`
	Events         []string   `json:"events"`
	View           string     `json:"view"`
	CreatedAt      time.Time  `json:"created_at"`
	Disabled       bool       `json:"disabled"`
	DisabledAt     *time.Time `json:"disabled_at,omitempty"`
	DisabledReason string     `json:"disabled_reason,omitempty"`
	FailingSince   *time.Time `json:"failing_since,omitempty"`
	LastSuccessAt  *time.Time `json:"last_success_at,omitempty"`
	// PreviousSecretUntil: after a rotation, the old secret signs beside
	// the new one until then.
	PreviousSecretUntil *time.Time `json:"previous_secret_until,omitempty"`
}

func newWebhookOut(e webhooks.Endpoint) webhookOut {
	return webhookOut{
		ID: e.ID, URL: e.URL, Description: e.Description, Events: e.Events, View: e.View, CreatedAt: e.CreatedAt,
		Disabled: e.Disabled, DisabledAt: e.DisabledAt, DisabledReason: e.DisabledReason,
		FailingSince: e.FailingSince, LastSuccessAt: e.LastSuccessAt, PreviousSecretUntil: e.PrevUntil,
	}
}

// newWebhookSecret is an endpoint just made or rotated, with its signing
// secret, shown this once.
type newWebhookSecret struct {
	webhookOut
	Secret string `json:"secret"`
}

// deliveryOut is one delivery of the log: the payload sent and its
// attempts.
type deliveryOut struct {
	ID        string             `json:"id"`
	Seq       uint64             `json:"seq"`
	Type      string             `json:"type"`
	State     string             `json:"state"`
	CreatedAt time.Time          `json:"created_at"`
	NextAt    time.Time          `json:"next_attempt_at,omitzero"`
	Attempts  []webhooks.Attempt `json:"attempts"`
	Payload   json.RawMessage    `json:"payload"`
}

// webhookDetail is GET /v1/webhooks/{id}: the endpoint and its recent
// deliveries, newest first.
type webhookDetail struct {
	webhookOut
	Deliveries []deliveryOut `json:"deliveries"`
}

// requireWebhooks answers 401/403 unless the caller is an admin, and 503
// when the server sends no webhooks.
func (s *Server) requireWebhooks(w http.ResponseWriter, r *http.Request) bool {
	if !s.requireAdminRole(w, r) {
		return false
	}
	if s.deps.Webhooks == nil {
		writeProblem(w, r, http.StatusServiceUnavailable, "this server sends no webhooks")
		return false
	}
	return true
}

// handleWebhooks lists the endpoints.
func (s *Server) handleWebhooks() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.requireWebhooks(w, r) {
			return
		}
		list, err := s.deps.Webhooks.List()
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out := make([]webhookOut, 0, len(list))
		for _, e := range list {
			out = append(out, newWebhookOut(e))
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, r, http.StatusOK, map[string]any{"webhooks": out, "event_types": webhooks.EventTypes()})
	}
}

// handleWebhookCreate registers an endpoint and shows its secret once.
func (s *Server) handleWebhookCreate() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.requireWebhooks(w, r) {
			return
		}
		var req webhookRequest
		if err := s.readJSON(r, &req, "a webhook endpoint"); err != nil {
			s.writeError(w, r, err)
			return
		}
		e, err := s.deps.Webhooks.Create(webhooks.NewEndpoint{URL: req.URL, Description: req.Description, Events: req.Events, View: req.View}, s.now())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.log.InfoContext(r.Context(), "webhook created", "webhook", e.ID, "url", e.URL, "by", principalFrom(r.Context()).Name)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Location", "/v1/webhooks/"+e.ID)
		writeJSON(w, r, http.StatusCreated, newWebhookSecret{webhookOut: newWebhookOut(e), Secret: e.Secret})
	}
}

// handleWebhook shows an endpoint and its recent deliveries.
func (s *Server) handleWebhook() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.requireWebhooks(w, r) {
			return
		}
		limit, err := intParam(r.URL.Query(), "limit", 20, 1, 100)
		if pe, ok := asParamError(err); ok {
			badParam(w, r, pe.name, pe.reason)
			return
		}
		e, err := s.deps.Webhooks.Get(r.PathValue("id"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		ds, err := s.deps.Webhooks.Deliveries(e.ID, limit)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out := webhookDetail{webhookOut: newWebhookOut(e), Deliveries: make([]deliveryOut, 0, len(ds))}
		for _, d := range ds {
			out.Deliveries = append(out.Deliveries, deliveryOut{
				ID: d.ID, Seq: d.Seq, Type: d.Type, State: d.State, CreatedAt: d.CreatedAt, NextAt: d.NextAt,
				Attempts: d.Attempts, Payload: json.RawMessage(d.Body),
			})
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, r, http.StatusOK, out)
	}
}

// handleWebhookDelete removes an endpoint with its outbox and log.
func (s *Server) handleWebhookDelete() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.requireWebhooks(w, r) {
			return
		}
		id := r.PathValue("id")
		if err := s.deps.Webhooks.Delete(id); err != nil {
			s.writeError(w, r, err)
			return
		}
		s.log.InfoContext(r.Context(), "webhook deleted", "webhook", id, "by", principalFrom(r.Context()).Name)
		w.WriteHeader(http.StatusNoContent)
	}
}

// handleWebhookRotate gives an endpoint a new secret, shown once; the old
// one signs beside it for a day.
func (s *Server) handleWebhookRotate() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.requireWebhooks(w, r) {
			return
		}
		e, err := s.deps.Webhooks.RotateSecret(r.PathValue("id"), s.now())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.log.InfoContext(r.Context(), "webhook secret rotated", "webhook", e.ID, "by", principalFrom(r.Context()).Name)
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, r, http.StatusOK, newWebhookSecret{webhookOut: newWebhookOut(e), Secret: e.Secret})
	}
}

// handleWebhookEnable turns an endpoint the dispatcher disabled back on.
func (s *Server) handleWebhookEnable() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.requireWebhooks(w, r) {
			return
		}
		e, err := s.deps.Webhooks.Enable(r.PathValue("id"), s.now())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.log.InfoContext(r.Context(), "webhook enabled", "webhook", e.ID, "by", principalFrom(r.Context()).Name)
		writeJSON(w, r, http.StatusOK, newWebhookOut(e))
	}
}

// webhookProblem maps the webhooks' errors for problemFor: an unknown
// endpoint is 404, a refused setting 400 naming it.
func webhookProblem(err error) (int, []InvalidParam, bool) {
	var ie *webhooks.InvalidError
	switch {
	case errors.Is(err, webhooks.ErrUnknown):
		return http.StatusNotFound, nil, true
	case errors.As(err, &ie):
		return http.StatusBadRequest, []InvalidParam{{Name: ie.Field, Reason: ie.Reason}}, true
	}
	return 0, nil, false
}

// viewPrincipal is the caller whose view an endpoint follows.
func viewPrincipal(view string) Principal {
	role := map[string]keys.Role{
		webhooks.ViewPortal: keys.RolePortal, webhooks.ViewAgency: keys.RoleAgency, webhooks.ViewCurator: keys.RoleCurator,
	}[view]
	return Principal{Name: "webhooks (" + view + ")", Role: role}
}

// webhookEvent is the Renderer of the dispatcher: change c as the change
// feed shows it to the endpoint's view, as an asset.* event whose data is
// the feed's entry.
func (s *Server) webhookEvent(_ context.Context, view string, c archive.Change) (webhooks.Event, bool, error) {
	ch, ok, err := s.changeFor(viewPrincipal(view), c, s.now())
	if err != nil || !ok {
		return webhooks.Event{}, false, err
	}
	return webhooks.Event{Type: "asset." + ch.Type, At: ch.At, Data: ch}, true, nil
}

// startWebhooks runs the dispatcher until Close.
func (s *Server) startWebhooks() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.deps.Webhooks.Run(ctx, s.webhookEvent); err != nil {
			s.log.Error("webhooks stopped", "err", err)
		}
	}()
	s.stopWebhooks = func(wait time.Duration) {
		cancel()
		select {
		case <-done:
		case <-time.After(wait):
			s.log.Warn("webhook deliveries in flight did not finish in time; leaving them", "wait", wait)
		}
	}
}
