package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"syscall"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/collections"
	"github.com/haiduong/promo-archive/archive/curation"
)

// Problem is an RFC 9457 problem detail. Every error response of the API
// is one, with Content-Type application/problem+json.
type Problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail,omitempty"`
	Instance  string         `json:"instance,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
	Invalid   []InvalidParam `json:"invalid_params,omitempty"`
}

// InvalidParam names a request parameter that was not accepted.
type InvalidParam struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// problemType gives each kind of problem a stable type URI (relative to
// the API, as RFC 9457 allows), or "about:blank".
func problemType(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "/v1/problems/invalid-request"
	case http.StatusUnauthorized:
		return "/v1/problems/unauthorized"
	case http.StatusForbidden:
		return "/v1/problems/forbidden"
	case http.StatusNotFound:
		return "/v1/problems/not-found"
	case http.StatusMethodNotAllowed:
		return "/v1/problems/method-not-allowed"
	case http.StatusConflict:
		return "/v1/problems/conflict"
	case http.StatusRequestEntityTooLarge:
		return "/v1/problems/too-large"
	case http.StatusUnprocessableEntity:
		return "/v1/problems/invalid-edit"
	case http.StatusTooManyRequests:
		return "/v1/problems/rate-limited"
	case http.StatusServiceUnavailable:
		return "/v1/problems/unavailable"
	case http.StatusInsufficientStorage:
		return "/v1/problems/insufficient-storage"
	}
	return "about:blank"
}

// writeProblem sends a problem with the status and detail.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, detail string, invalid ...InvalidParam) {
	typ := problemType(status)
	p := Problem{
		Type: typ, Title: http.StatusText(status), Status: status, Detail: detail,
		Instance: r.URL.Path, RequestID: requestID(r.Context()), Invalid: invalid,
	}
	h := w.Header()
	h.Del("Content-Length")
	h.Del("ETag")
	h.Del("Last-Modified")
	h.Del("Content-Disposition")
	h.Del("Content-Encoding")
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(p)
}

// statusError is an action's refusal with the HTTP status it answers.
type statusError struct {
	status int
	detail string
}

func (e *statusError) Error() string { return e.detail }

// refuse makes an action's refusal.
func refuse(status int, detail string) error { return &statusError{status: status, detail: detail} }

// problemFor is the one mapping from an action's error (ingest, edit) to
// the problem it answers: the status, the detail a person reads and the
// parameter at fault. Errors it does not know are internal (500).
func problemFor(err error) (status int, detail string, invalid []InvalidParam) {
	var se *statusError
	var fe *curation.FieldError
	var mbe *http.MaxBytesError
	if pe, ok := asParamError(err); ok {
		return http.StatusBadRequest, pe.Error(), []InvalidParam{{Name: pe.name, Reason: pe.reason}}
	}
	if status, ok := keyProblem(err); ok {
		return status, err.Error(), nil
	}
	if status, invalid, ok := webhookProblem(err); ok {
		return status, err.Error(), invalid
	}
	switch {
	case errors.As(err, &se):
		return se.status, se.detail, nil
	case errors.Is(err, archive.ErrAmbiguous), errors.Is(err, archive.ErrBadID), errors.Is(err, curation.ErrMetadataCSV):
		return http.StatusBadRequest, err.Error(), nil
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, "the body is larger than " + strconv.FormatInt(mbe.Limit, 10) + " bytes", nil
	case errors.Is(err, archive.ErrNotFound):
		return http.StatusNotFound, "no such resource", nil
	case errors.As(err, &fe):
		return http.StatusUnprocessableEntity, fe.Error(), []InvalidParam{{Name: fe.Field, Reason: fe.Msg}}
	case errors.Is(err, curation.ErrInvalidEdit), errors.Is(err, collections.ErrInvalid):
		return http.StatusUnprocessableEntity, err.Error(), nil
	case errors.Is(err, collections.ErrForbidden):
		return http.StatusForbidden, err.Error(), nil
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return http.StatusInsufficientStorage, "the server's disk is full: the request was not carried out (reads go on); free space and try again", nil
	}
	return http.StatusInternalServerError, "internal error; quote the request id when reporting it", nil
}

// writeError answers an action's error as its problem; internal errors
// are logged.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, detail, invalid := problemFor(err)
	if status == http.StatusInternalServerError {
		s.internalError(w, r, err)
		return
	}
	writeProblem(w, r, status, detail, invalid...)
}

// badParam answers 400 naming the parameter.
func badParam(w http.ResponseWriter, r *http.Request, name, reason string) {
	writeProblem(w, r, http.StatusBadRequest, "parameter "+name+": "+reason, InvalidParam{Name: name, Reason: reason})
}

// notFound answers 404 in the same words for a missing asset and one the
// caller may not see.
func notFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, r, http.StatusNotFound, "no such resource")
}

// internalError answers 500 without saying why; the log has the error.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "internal error", "err", err, "path", r.URL.Path, "request_id", requestID(r.Context()))
	writeProblem(w, r, http.StatusInternalServerError, "internal error; quote the request id when reporting it")
}

// readJSON decodes the request body (at most MaxBody bytes) into v: one
// JSON value with known fields only and nothing after it. what names the
// body in the problem ("an edit").
func (s *Server) readJSON(r *http.Request, v any, what string) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, s.cfg.MaxBody))
	dec.DisallowUnknownFields()
	var mbe *http.MaxBytesError
	if err := dec.Decode(v); errors.As(err, &mbe) {
		return err
	} else if err != nil {
		return refuse(http.StatusBadRequest, "the body is not "+what+": "+err.Error())
	}
	if _, err := dec.Token(); errors.As(err, &mbe) {
		return err
	} else if !errors.Is(err, io.EOF) {
		return refuse(http.StatusBadRequest, "the body is not "+what+": something follows the JSON value")
	}
	return nil
}

// writeJSON sends v as JSON with status.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
