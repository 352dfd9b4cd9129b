package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

// OAI-PMH 2.0 (https://www.openarchives.org/OAI/openarchivesprotocol.html)
// at /oai with Dublin Core (oai_dc). Harvesters see only what an anonymous
// caller sees: public, published, released records. A record that was once
// public and published and no longer is (withdrawn, made internal, past its
// unpublish date or rights expiry) is reported deleted (deletedRecord
// persistent), which the audit trail makes possible: it holds every change
// of status and visibility.

// OAISource is what the repository reads; *archive.Store implements it.
type OAISource interface {
	ForEach(fn func(*archive.Record) error) error
	LastSeq() (uint64, error)
	History(id string) ([]archive.AuditEntry, error)
}

// OAIOptions configure /oai; without Source it answers 503.
type OAIOptions struct {
	Source OAISource
	// RepositoryName, AdminEmail and RepositoryID (the domain-like part of
	// oai:RepositoryID:ASSET-ID identifiers) appear in Identify.
	// Defaults: the archive's title, admin@localhost, promo-archive.local.
	RepositoryName, AdminEmail, RepositoryID string
	// PageSize is the records per list response; default 100.
	PageSize int
	// TokenTTL is how long a resumption token is honoured; default 24 h.
	TokenTTL time.Duration
}

const (
	oaiNS         = "http://www.openarchives.org/OAI/2.0/"
	oaiDCNS       = "http://www.openarchives.org/OAI/2.0/oai_dc/"
	oaiDCSchema   = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
	dcNS          = "http://purl.org/dc/elements/1.1/"
	oaiGranular   = "2006-01-02T15:04:05Z"
	oaiDayLayout  = "2006-01-02"
	oaiListMaxAge = time.Minute
)

// oaiItem is one record as the repository exposes it.
type oaiItem struct {
	rec       *archive.Record
	datestamp time.Time // to the second, UTC
	deleted   bool
	sets      []string
}

// oaiRepo holds the options and a cache of the item list (rebuilt when the
// store changes or a minute passes, since release windows move with time).
type oaiRepo struct {
	opts OAIOptions

	mu    sync.Mutex
	seq   uint64
	built time.Time
	items []oaiItem // ordered by datestamp, then id
}

func newOAIRepo(o OAIOptions) *oaiRepo {
	if o.RepositoryName == "" {
		o.RepositoryName = "Provincial image-promotion archive"
	}
	if o.AdminEmail == "" {
		o.AdminEmail = "admin@localhost"
	}
	if o.RepositoryID == "" {
		o.RepositoryID = "promo-archive.local"
	}
	if o.PageSize <= 0 {
		o.PageSize = 100
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = 24 * time.Hour
	}
	return &oaiRepo{opts: o}
}

// list returns the exposed and deleted items at now.
func (o *oaiRepo) list(now time.Time) ([]oaiItem, error) {
	seq, err := o.opts.Source.LastSeq()
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.items != nil && seq == o.seq && now.Sub(o.built) < oaiListMaxAge && !now.Before(o.built) {
		return o.items, nil
	}
	var items []oaiItem
	err = o.opts.Source.ForEach(func(rec *archive.Record) error {
		it := oaiItem{rec: rec, datestamp: oaiDatestamp(rec, now), sets: oaiSets(rec)}
		if !visibleTo(Principal{}, rec, now) {
			was, err := o.wasExposed(rec)
			if err != nil || !was {
				return err
			}
			it.deleted = true
		}
		items = append(items, it)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("api: oai list: %w", err)
	}
	slices.SortFunc(items, func(a, b oaiItem) int {
		if c := a.datestamp.Compare(b.datestamp); c != 0 {
			return c
		}
		return strings.Compare(a.rec.ID, b.rec.ID)
	})
	o.seq, o.built, o.items = seq, now, items
	return items, nil
}

// wasExposed reports whether rec was public and published at some time
// (everAllowed for anonymous callers); the audit trail is read only when
// it is not so now.
func (o *oaiRepo) wasExposed(rec *archive.Record) (bool, error) {
	if everAllowed(Principal{}, rec, nil) {
		return true, nil // published and public, but outside its release window now
	}
	hist, err := o.opts.Source.History(rec.ID)
	if err != nil {
		return false, err
	}
	return everAllowed(Principal{}, rec, hist), nil
}

// oaiDatestamp is when rec last changed for a harvester: its last update,
// or the moment its release window opened or closed if that came later.
func oaiDatestamp(rec *archive.Record, now time.Time) time.Time {
	t := rec.UpdatedAt
	for _, w := range []*time.Time{rec.PublishAt, rec.UnpublishAt, rec.RightsExpireAt} {
		if w != nil && !w.After(now) && w.After(t) {
			t = *w
		}
	}
	return t.UTC().Truncate(time.Second)
}

// oaiSets are the setSpecs of rec: category, category:CODE, place,
// place:CODE.
func oaiSets(rec *archive.Record) []string {
	var sets []string
	if len(rec.Categories) > 0 {
		sets = append(sets, "category")
		for _, c := range rec.Categories {
			sets = append(sets, "category:"+c)
		}
	}
	if rec.Place != nil && rec.Place.Code != "" {
		sets = append(sets, "place", "place:"+rec.Place.Code)
	}
	return sets
}

// oaiError is an OAI-PMH error condition.
type oaiError struct {
	Code    string `xml:"code,attr"`
	Message string `xml:",chardata"`
}

func oaiErr(code, format string, a ...any) *oaiError {
	return &oaiError{Code: code, Message: fmt.Sprintf(format, a...)}
}

// oaiToken is a resumption token's content: the request it continues and
// the last item delivered. Tokens are stateless, so they survive restarts;
// a checksum catches damaged ones and Expires ends them.
type oaiToken struct {
	Verb    string    `json:"v"`
	Prefix  string    `json:"p"`
	Set     string    `json:"s,omitempty"`
	From    time.Time `json:"f,omitzero"`
	Until   time.Time `json:"u,omitzero"`
	AfterAt time.Time `json:"a"`
	AfterID string    `json:"i"`
	Cursor  int       `json:"c"`
	Expires time.Time `json:"e"`
}

func (t oaiToken) encode() string {
	b, _ := json.Marshal(t)
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(append(sum[:4], b...))
}

func decodeOAIToken(s string, now time.Time) (oaiToken, *oaiError) {
	var t oaiToken
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) < 5 {
		return t, oaiErr("badResumptionToken", "the resumption token is not one of this repository's")
	}
	sum := sha256.Sum256(raw[4:])
	if !bytes.Equal(sum[:4], raw[:4]) || json.Unmarshal(raw[4:], &t) != nil {
		return t, oaiErr("badResumptionToken", "the resumption token is damaged")
	}
	if now.After(t.Expires) {
		return t, oaiErr("badResumptionToken", "the resumption token expired at %s", t.Expires.UTC().Format(oaiGranular))
	}
	return t, nil
}

// oaiArgs checks the request's arguments against the verb's: required,
// optional and exclusive ones, none repeated.
func oaiArgs(q url.Values, required, optional []string, exclusive string) *oaiError {
	for k, v := range q {
		if k == "verb" {
			continue
		}
		if len(v) > 1 {
			return oaiErr("badArgument", "argument %s is repeated", k)
		}
		if !slices.Contains(required, k) && !slices.Contains(optional, k) && k != exclusive {
			return oaiErr("badArgument", "argument %s is not allowed with this verb", k)
		}
	}
	if exclusive != "" && q.Has(exclusive) {
		if len(q) != 2 {
			return oaiErr("badArgument", "%s is exclusive: no other argument may come with it", exclusive)
		}
		return nil
	}
	for _, k := range required {
		if !q.Has(k) {
			return oaiErr("badArgument", "argument %s is required", k)
		}
	}
	return nil
}

// parseOAIDate reads a datestamp at day or second granularity; until is
// the last second of its day at day granularity.
func parseOAIDate(s string, until bool) (time.Time, bool, error) {
	if t, err := time.Parse(oaiGranular, s); err == nil {
		return t, false, nil
	}
	t, err := time.Parse(oaiDayLayout, s)
	if err != nil {
		return t, false, err
	}
	if until {
		t = t.Add(24*time.Hour - time.Second)
	}
	return t, true, nil
}

// The response document.
type oaiResponse struct {
	XMLName        xml.Name     `xml:"OAI-PMH"`
	NS             string       `xml:"xmlns,attr"`
	XSI            string       `xml:"xmlns:xsi,attr"`
	SchemaLocation string       `xml:"xsi:schemaLocation,attr"`
	ResponseDate   string       `xml:"responseDate"`
	Request        oaiRequestEl `xml:"request"`
	Errors         []*oaiError  `xml:"error"`
	Body           any
}

type oaiRequestEl struct {
	Verb           string `xml:"verb,attr,omitempty"`
	Identifier     string `xml:"identifier,attr,omitempty"`
	MetadataPrefix string `xml:"metadataPrefix,attr,omitempty"`
	From           string `xml:"from,attr,omitempty"`
	Until          string `xml:"until,attr,omitempty"`
	Set            string `xml:"set,attr,omitempty"`
	Token          string `xml:"resumptionToken,attr,omitempty"`
	URL            string `xml:",chardata"`
}

type oaiHeader struct {
	Status     string   `xml:"status,attr,omitempty"`
	Identifier string   `xml:"identifier"`
	Datestamp  string   `xml:"datestamp"`
	SetSpec    []string `xml:"setSpec"`
}

type oaiRecord struct {
	Header   oaiHeader    `xml:"header"`
	Metadata *oaiMetadata `xml:"metadata"`
}

type oaiMetadata struct {
	DC oaiDC `xml:"oai_dc:dc"`
}

// oaiDC is an oai_dc:dc element; each field is dc:NAME.
type oaiDC struct {
	NSDC           string    `xml:"xmlns:oai_dc,attr"`
	NSdc           string    `xml:"xmlns:dc,attr"`
	NSXSI          string    `xml:"xmlns:xsi,attr"`
	SchemaLocation string    `xml:"xsi:schemaLocation,attr"`
	Fields         []dcField `xml:",any"`
}

type dcField struct {
	XMLName xml.Name
	Lang    string `xml:"xml:lang,attr,omitempty"`
	Value   string `xml:",chardata"`
}

// oaiTokenEl is the resumptionToken element; an empty one ends a list.
type oaiTokenEl struct {
	Value   string `xml:",chardata"`
	Expires string `xml:"expirationDate,attr,omitempty"`
	Size    int    `xml:"completeListSize,attr"`
	Cursor  int    `xml:"cursor,attr"`
}

type oaiList struct {
	XMLName xml.Name
	Headers []oaiHeader `xml:"header"`
	Records []oaiRecord `xml:"record"`
	Token   *oaiTokenEl `xml:"resumptionToken"`
}

func (s *Server) handleOAI() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.oai == nil {
			writeProblem(w, r, http.StatusServiceUnavailable, "OAI-PMH is not configured")
			return
		}
		if err := r.ParseForm(); err != nil {
			badParam(w, r, "body", "not application/x-www-form-urlencoded")
			return
		}
		q := r.Form
		if r.Method == http.MethodPost {
			q = r.PostForm
		}
		now := s.now()
		base := origin(r) + "/oai"
		resp := oaiResponse{NS: oaiNS, XSI: "http://www.w3.org/2001/XMLSchema-instance",
			SchemaLocation: oaiNS + " http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd",
			ResponseDate:   now.UTC().Format(oaiGranular), Request: oaiRequestEl{URL: base}}
		body, oerr := s.oaiVerb(q, base, now)
		if oerr != nil && oerr.Code == "internal" {
			s.internalError(w, r, errors.New(oerr.Message))
			return
		}
		if oerr != nil {
			resp.Errors = []*oaiError{oerr}
			if oerr.Code != "badVerb" && oerr.Code != "badArgument" {
				resp.Request = oaiRequestOf(q, base)
			}
		} else {
			resp.Request, resp.Body = oaiRequestOf(q, base), body
		}
		var buf bytes.Buffer
		buf.WriteString(xml.Header)
		enc := xml.NewEncoder(&buf)
		if err := enc.Encode(resp); err != nil {
			s.internalError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write(buf.Bytes())
		}
	}
}

func oaiRequestOf(q url.Values, base string) oaiRequestEl {
	return oaiRequestEl{Verb: q.Get("verb"), Identifier: q.Get("identifier"), MetadataPrefix: q.Get("metadataPrefix"),
		From: q.Get("from"), Until: q.Get("until"), Set: q.Get("set"), Token: q.Get("resumptionToken"), URL: base}
}

// oaiVerb answers one request: the verb's element, or an error.
func (s *Server) oaiVerb(q url.Values, base string, now time.Time) (any, *oaiError) {
	if len(q["verb"]) != 1 {
		return nil, oaiErr("badVerb", "exactly one verb is required")
	}
	o := s.oai
	switch verb := q.Get("verb"); verb {
	case "Identify":
		if e := oaiArgs(q, nil, nil, ""); e != nil {
			return nil, e
		}
		items, err := o.list(now)
		if err != nil {
			return nil, oaiErr("internal", "%v", err) // becomes a 500 below
		}
		earliest := now.UTC().Truncate(time.Second)
		if len(items) > 0 {
			earliest = items[0].datestamp // the list is in datestamp order
		}
		return struct {
			XMLName    xml.Name `xml:"Identify"`
			Name       string   `xml:"repositoryName"`
			BaseURL    string   `xml:"baseURL"`
			Version    string   `xml:"protocolVersion"`
			AdminEmail string   `xml:"adminEmail"`
			Earliest   string   `xml:"earliestDatestamp"`
			Deleted    string   `xml:"deletedRecord"`
			Granular   string   `xml:"granularity"`
		}{Name: o.opts.RepositoryName, BaseURL: base, Version: "2.0", AdminEmail: o.opts.AdminEmail,
			Earliest: earliest.Format(oaiGranular), Deleted: "persistent", Granular: "YYYY-MM-DDThh:mm:ssZ"}, nil
	case "ListMetadataFormats":
		if e := oaiArgs(q, nil, []string{"identifier"}, ""); e != nil {
			return nil, e
		}
		if id := q.Get("identifier"); id != "" {
			if _, e := s.oaiFind(id, now); e != nil {
				return nil, e
			}
		}
		type format struct {
			Prefix    string `xml:"metadataPrefix"`
			Schema    string `xml:"schema"`
			Namespace string `xml:"metadataNamespace"`
		}
		return struct {
			XMLName xml.Name `xml:"ListMetadataFormats"`
			Formats []format `xml:"metadataFormat"`
		}{Formats: []format{{"oai_dc", oaiDCSchema, oaiDCNS}}}, nil
	case "ListSets":
		if e := oaiArgs(q, nil, nil, "resumptionToken"); e != nil {
			return nil, e
		}
		if q.Has("resumptionToken") {
			return nil, oaiErr("badResumptionToken", "ListSets answers in one response; there is nothing to resume")
		}
		type set struct {
			Spec string `xml:"setSpec"`
			Name string `xml:"setName"`
		}
		sets := []set{{"category", "Chủ đề / Categories"}}
		for _, c := range s.deps.Taxonomy.Categories {
			sets = append(sets, set{"category:" + c.Code, c.VI + " / " + c.EN})
		}
		sets = append(sets, set{"place", "Địa danh / Places"})
		for _, u := range s.deps.Taxonomy.Places {
			sets = append(sets, set{"place:" + u.Code, u.VI + " / " + u.EN})
		}
		return struct {
			XMLName xml.Name `xml:"ListSets"`
			Sets    []set    `xml:"set"`
		}{Sets: sets}, nil
	case "GetRecord":
		if e := oaiArgs(q, []string{"identifier", "metadataPrefix"}, nil, ""); e != nil {
			return nil, e
		}
		if q.Get("metadataPrefix") != "oai_dc" {
			return nil, oaiErr("cannotDisseminateFormat", "only oai_dc is offered")
		}
		it, e := s.oaiFind(q.Get("identifier"), now)
		if e != nil {
			return nil, e
		}
		return struct {
			XMLName xml.Name  `xml:"GetRecord"`
			Record  oaiRecord `xml:"record"`
		}{Record: s.oaiRecordOf(it, base)}, nil
	case "ListIdentifiers", "ListRecords":
		return s.oaiList(verb, q, base, now)
	default:
		return nil, oaiErr("badVerb", "%q is not an OAI-PMH verb", verb)
	}
}

// oaiFind returns the exposed or deleted item an identifier names.
func (s *Server) oaiFind(identifier string, now time.Time) (oaiItem, *oaiError) {
	id, ok := strings.CutPrefix(identifier, "oai:"+s.oai.opts.RepositoryID+":")
	if !ok || !archive.ValidID(id) {
		return oaiItem{}, oaiErr("idDoesNotExist", "%q is not an identifier of this repository", identifier)
	}
	items, err := s.oai.list(now)
	if err != nil {
		return oaiItem{}, oaiErr("internal", "%v", err)
	}
	for _, it := range items {
		if it.rec.ID == id {
			return it, nil
		}
	}
	return oaiItem{}, oaiErr("idDoesNotExist", "no record %q", identifier)
}

func (s *Server) oaiList(verb string, q url.Values, base string, now time.Time) (any, *oaiError) {
	if e := oaiArgs(q, []string{"metadataPrefix"}, []string{"from", "until", "set"}, "resumptionToken"); e != nil {
		return nil, e
	}
	var t oaiToken
	if tok := q.Get("resumptionToken"); tok != "" {
		var e *oaiError
		if t, e = decodeOAIToken(tok, now); e != nil {
			return nil, e
		}
		if t.Verb != verb {
			return nil, oaiErr("badResumptionToken", "the token continues %s, not %s", t.Verb, verb)
		}
	} else {
		t = oaiToken{Verb: verb, Prefix: q.Get("metadataPrefix"), Set: q.Get("set")}
		var fromDay, untilDay bool
		var err error
		if f := q.Get("from"); f != "" {
			if t.From, fromDay, err = parseOAIDate(f, false); err != nil {
				return nil, oaiErr("badArgument", "from %q is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ", f)
			}
		}
		if u := q.Get("until"); u != "" {
			if t.Until, untilDay, err = parseOAIDate(u, true); err != nil {
				return nil, oaiErr("badArgument", "until %q is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ", u)
			}
		}
		if q.Get("from") != "" && q.Get("until") != "" && fromDay != untilDay {
			return nil, oaiErr("badArgument", "from and until must have the same granularity")
		}
		if !t.From.IsZero() && !t.Until.IsZero() && t.From.After(t.Until) {
			return nil, oaiErr("badArgument", "from is after until")
		}
		if t.Prefix != "oai_dc" {
			return nil, oaiErr("cannotDisseminateFormat", "only oai_dc is offered")
		}
	}
	items, err := s.oai.list(now)
	if err != nil {
		return nil, oaiErr("internal", "%v", err)
	}
	var match []oaiItem
	for _, it := range items {
		if !t.From.IsZero() && it.datestamp.Before(t.From) || !t.Until.IsZero() && it.datestamp.After(t.Until) {
			continue
		}
		if t.Set != "" && !slices.Contains(it.sets, t.Set) {
			continue
		}
		match = append(match, it)
	}
	if len(match) == 0 {
		return nil, oaiErr("noRecordsMatch", "no record matches")
	}
	// Continue after the last item delivered (items that changed since
	// moved later, so none is skipped).
	start := 0
	if t.AfterID != "" {
		start, _ = slices.BinarySearchFunc(match, t, func(it oaiItem, t oaiToken) int {
			if c := it.datestamp.Compare(t.AfterAt); c != 0 {
				return c
			}
			return strings.Compare(it.rec.ID, t.AfterID)
		})
		if start < len(match) && match[start].rec.ID == t.AfterID {
			start++
		}
	}
	page := match[start:min(len(match), start+s.oai.opts.PageSize)]
	out := oaiList{XMLName: xml.Name{Local: verb}}
	for _, it := range page {
		if verb == "ListIdentifiers" {
			out.Headers = append(out.Headers, s.oaiHeaderOf(it))
		} else {
			out.Records = append(out.Records, s.oaiRecordOf(it, base))
		}
	}
	if t.AfterID != "" || start+len(page) < len(match) {
		tok := &oaiTokenEl{Size: len(match), Cursor: t.Cursor}
		if start+len(page) < len(match) {
			last := page[len(page)-1]
			next := t
			next.AfterAt, next.AfterID, next.Cursor = last.datestamp, last.rec.ID, t.Cursor+len(page)
			next.Expires = now.Add(s.oai.opts.TokenTTL).UTC().Truncate(time.Second)
			tok.Value, tok.Expires = next.encode(), next.Expires.Format(oaiGranular)
		}
		out.Token = tok
	}
	return out, nil
}

func (s *Server) oaiHeaderOf(it oaiItem) oaiHeader {
	h := oaiHeader{Identifier: "oai:" + s.oai.opts.RepositoryID + ":" + it.rec.ID,
		Datestamp: it.datestamp.Format(oaiGranular), SetSpec: it.sets}
	if it.deleted {
		h.Status = "deleted"
	}
	return h
}

// oaiRecordOf is the record with its Dublin Core description (none for a
// deleted record).
func (s *Server) oaiRecordOf(it oaiItem, base string) oaiRecord {
	rec := oaiRecord{Header: s.oaiHeaderOf(it)}
	if it.deleted {
		return rec
	}
	r := it.rec
	dc := oaiDC{NSDC: oaiDCNS, NSdc: dcNS, NSXSI: "http://www.w3.org/2001/XMLSchema-instance",
		SchemaLocation: oaiDCNS + " " + oaiDCSchema}
	add := func(name, lang, value string) {
		if value = strings.TrimSpace(value); value != "" {
			dc.Fields = append(dc.Fields, dcField{XMLName: xml.Name{Local: "dc:" + name}, Lang: lang, Value: value})
		}
	}
	texts := func(name string, m map[string]string) {
		for _, tag := range slices.Sorted(maps.Keys(m)) {
			lang := tag
			if tag == "x-default" {
				lang = ""
			}
			add(name, lang, m[tag])
		}
	}
	texts("title", r.Title)
	if len(r.Title) == 0 {
		add("title", "", r.OriginalName)
	}
	add("creator", "", r.Creator)
	for _, k := range r.Keywords {
		add("subject", "", k)
	}
	for _, code := range r.Categories {
		if c, ok := s.deps.Taxonomy.Category(code); ok {
			add("subject", "vi", c.VI)
			add("subject", "en", c.EN)
		}
	}
	texts("description", r.Description)
	add("publisher", "", r.Credit)
	if r.CapturedAt != nil {
		add("date", "", r.CapturedAt.Format(oaiDayLayout))
	}
	switch r.Kind {
	case media.KindPhoto:
		add("type", "", "StillImage")
	case media.KindVideo:
		add("type", "", "MovingImage")
	case media.KindPublication:
		add("type", "", "Text")
	}
	add("format", "", r.MIME)
	add("identifier", "", strings.TrimSuffix(base, "/oai")+assetPath(r.ID))
	add("identifier", "", strings.TrimSuffix(base, "/oai")+"/iiif/3/"+r.ID+"/manifest")
	add("language", "", r.Language)
	if r.Place != nil {
		name := r.Place.Name
		if u, ok := s.deps.Taxonomy.Place(r.Place.Code); ok {
			name = u.VI
		}
		add("coverage", "", name)
	}
	add("rights", "", r.Rights)
	add("rights", "", licenceURI(r.Licence))
	rec.Metadata = &oaiMetadata{DC: dc}
	return rec
}
