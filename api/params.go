package api

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/indexer"
)

// The query parameters of GET /v1/assets: singleParams take one value;
// listParams may repeat, and the ones in commaParams also split on commas.
func singleParams() []string {
	return []string{"q", "syntax", "camera", "from", "to", "near", "bbox", "sort", "page", "size", "facet_size", "lang"}
}

func listParams() []string {
	return []string{"kind", "category", "place", "keyword", "facets", "visibility", "status"}
}

func commaParams() []string { return []string{"kind", "category", "facets", "visibility", "status"} }

// paramError is a parameter the API will not take.
type paramError struct{ name, reason string }

func (e *paramError) Error() string { return "parameter " + e.name + ": " + e.reason }

func perr(name, format string, args ...any) error {
	return &paramError{name: name, reason: fmt.Sprintf(format, args...)}
}

// searchRequest is a parsed GET /v1/assets.
type searchRequest struct {
	q    indexer.Query
	lang []string
}

// parseSearch reads the parameters strictly: unknown ones, repeated single
// ones and malformed values are errors naming the parameter.
func parseSearch(v url.Values, loc *time.Location) (searchRequest, error) {
	var sr searchRequest
	for name, vals := range v {
		switch {
		case slices.Contains(singleParams(), name):
			if len(vals) > 1 {
				return sr, perr(name, "given %d times; give it once", len(vals))
			}
		case slices.Contains(listParams(), name):
		default:
			return sr, perr(name, "unknown parameter (known: %s)", strings.Join(append(singleParams(), listParams()...), ", "))
		}
		for _, s := range vals {
			if len(s) > 1000 {
				return sr, perr(name, "longer than 1000 bytes")
			}
		}
	}
	list := func(name string) []string {
		var out []string
		for _, s := range v[name] {
			parts := []string{s}
			if slices.Contains(commaParams(), name) {
				parts = strings.Split(s, ",")
			}
			for _, p := range parts {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
		}
		return out
	}
	q := indexer.Query{
		Text: strings.TrimSpace(v.Get("q")), Syntax: v.Get("syntax"), Kinds: list("kind"), Categories: list("category"),
		Places: list("place"), Keywords: list("keyword"), Camera: strings.TrimSpace(v.Get("camera")),
		Visibility: list("visibility"), Status: list("status"), Facets: list("facets"), Sort: v.Get("sort"),
	}
	for _, k := range q.Kinds {
		if !slices.Contains([]string{"photo", "video", "publication"}, k) {
			return sr, perr("kind", "%q is not photo, video or publication", k)
		}
	}
	for _, f := range q.Facets {
		if !slices.Contains(indexer.FacetNames(), f) {
			return sr, perr("facets", "unknown facet %q (known: %s)", f, strings.Join(indexer.FacetNames(), ", "))
		}
	}
	var err error
	if q.Page, err = intParam(v, "page", 1, 1, math.MaxInt32); err != nil {
		return sr, err
	}
	if q.Size, err = intParam(v, "size", indexer.DefaultSize, 1, indexer.MaxSize); err != nil {
		return sr, err
	}
	if q.FacetSize, err = intParam(v, "facet_size", 10, 1, 100); err != nil {
		return sr, err
	}
	if q.From, err = dateParam(v, "from", loc, false); err != nil {
		return sr, err
	}
	if q.To, err = dateParam(v, "to", loc, true); err != nil {
		return sr, err
	}
	if s := v.Get("near"); s != "" {
		f, err := floatsParam("near", s, 3)
		if err != nil {
			return sr, err
		}
		q.Near = &indexer.Near{Lat: f[0], Lon: f[1], Km: f[2]}
	}
	if s := v.Get("bbox"); s != "" {
		f, err := floatsParam("bbox", s, 4)
		if err != nil {
			return sr, err
		}
		q.BBox = &indexer.BBox{MinLat: f[0], MinLon: f[1], MaxLat: f[2], MaxLon: f[3]}
	}
	if sr.lang, err = langParam(v.Get("lang")); err != nil {
		return sr, err
	}
	sr.q = q
	return sr, nil
}

func intParam(v url.Values, name string, def, lo, hi int) (int, error) {
	s := v.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, perr(name, "%q is not a whole number", s)
	}
	if n < lo || n > hi {
		return 0, perr(name, "must be between %d and %d, not %d", lo, hi, n)
	}
	return n, nil
}

// dateParam reads a date bound of the search (indexer.ParseDateBound).
func dateParam(v url.Values, name string, loc *time.Location, end bool) (time.Time, error) {
	t, err := indexer.ParseDateBound(v.Get(name), loc, end)
	if err != nil {
		return time.Time{}, perr(name, "%v", err)
	}
	return t, nil
}

func floatsParam(name, s string, n int) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != n {
		return nil, perr(name, "want %d comma-separated numbers", n)
	}
	out := make([]float64, n)
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, perr(name, "%q is not a number", p)
		}
		out[i] = f
	}
	return out, nil
}

// langParam reads "en,vi": up to 10 BCP 47 tags.
func langParam(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var out []string
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		if !validLangTag(t) {
			return nil, perr("lang", "%q is not a language tag such as vi, en or zh-Hans", t)
		}
		out = append(out, t)
	}
	if len(out) > 10 {
		return nil, perr("lang", "at most 10 languages")
	}
	return out, nil
}

func validLangTag(t string) bool {
	if t == "" || len(t) > 35 {
		return false
	}
	for _, sub := range strings.Split(t, "-") {
		if sub == "" || len(sub) > 8 {
			return false
		}
		for i := 0; i < len(sub); i++ {
			c := sub[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
				return false
			}
		}
	}
	return true
}

// queryParamName maps the indexer's parameter names to the API's.
func queryParamName(p string) string {
	switch p {
	case "text":
		return "q"
	case "kinds":
		return "kind"
	case "from/to":
		return "from"
	}
	return p
}

// asParamError turns an *indexer.QueryError into a paramError.
func asParamError(err error) (*paramError, bool) {
	var qe *indexer.QueryError
	if errors.As(err, &qe) {
		return &paramError{name: queryParamName(qe.Param), reason: qe.Msg}, true
	}
	var pe *paramError
	if errors.As(err, &pe) {
		return pe, true
	}
	return nil, false
}
