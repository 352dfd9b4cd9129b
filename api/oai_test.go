package api

import (
	"encoding/xml"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/curation"
)

// oaiFixture serves the API fixture's archive with OAI-PMH on, one record
// per page, and a clock the test moves.
type oaiFixture struct {
	*fixture
	clock *atomic.Int64 // unix seconds
}

func newOAIFixture(t *testing.T, pageSize int) *oaiFixture {
	t.Helper()
	f := newFixture(t, nil)
	var clock atomic.Int64
	clock.Store(time.Now().Unix())
	o := &oaiFixture{fixture: f, clock: &clock}
	o.restart(pageSize)
	return o
}

// restart replaces the server (same archive), as a restart would.
func (o *oaiFixture) restart(pageSize int) {
	o.serveWith(func(d *Deps) {
		d.OAI = OAIOptions{Source: o.a.Store(), PageSize: pageSize, TokenTTL: time.Hour}
		d.Now = func() time.Time { return time.Unix(o.clock.Load(), 0) }
	})
}

// oaiDoc is the part of a response the tests read.
type oaiDoc struct {
	Request struct {
		Verb string `xml:"verb,attr"`
		URL  string `xml:",chardata"`
	} `xml:"request"`
	Error *struct {
		Code string `xml:"code,attr"`
	} `xml:"error"`
	Identify *struct {
		Deleted     string `xml:"deletedRecord"`
		Granularity string `xml:"granularity"`
		Earliest    string `xml:"earliestDatestamp"`
		AdminEmail  string `xml:"adminEmail"`
	} `xml:"Identify"`
	Formats []string `xml:"ListMetadataFormats>metadataFormat>metadataPrefix"`
	Sets    []string `xml:"ListSets>set>setSpec"`
	Headers []struct {
		Status     string   `xml:"status,attr"`
		Identifier string   `xml:"identifier"`
		Datestamp  string   `xml:"datestamp"`
		Sets       []string `xml:"setSpec"`
	} `xml:"ListIdentifiers>header"`
	Records []oaiDocRecord `xml:"ListRecords>record"`
	Record  *oaiDocRecord  `xml:"GetRecord>record"`
	Token   *struct {
		Value  string `xml:",chardata"`
		Size   int    `xml:"completeListSize,attr"`
		Cursor int    `xml:"cursor,attr"`
	} `xml:"ListIdentifiers>resumptionToken"`
	RecordsToken *struct {
		Value string `xml:",chardata"`
	} `xml:"ListRecords>resumptionToken"`
}

type oaiDocRecord struct {
	Header struct {
		Status     string `xml:"status,attr"`
		Identifier string `xml:"identifier"`
	} `xml:"header"`
	Titles []struct {
		Lang  string `xml:"lang,attr"`
		Value string `xml:",chardata"`
	} `xml:"metadata>dc>title"`
	Rights []string `xml:"metadata>dc>rights"`
}

func (o *oaiFixture) oai(t *testing.T, query string) oaiDoc {
	t.Helper()
	code, body, h := o.get("/oai?"+query, "")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/xml") {
		t.Fatalf("%s: %d %s", query, code, body)
	}
	var d oaiDoc
	if err := xml.Unmarshal(body, &d); err != nil {
		t.Fatalf("%s: %v\n%s", query, err, body)
	}
	return d
}

func (o *oaiFixture) oaiID(tag string) string { return "oai:promo-archive.local:" + o.ids[tag] }

func TestOAIErrors(t *testing.T) {
	o := newOAIFixture(t, 100)
	for _, c := range []struct{ query, code string }{
		{"", "badVerb"},
		{"verb=Dance", "badVerb"},
		{"verb=Identify&verb=Identify", "badVerb"},
		{"verb=Identify&set=x", "badArgument"},
		{"verb=ListRecords", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&from=yesterday", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&until=2024-13-01", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01&until=2024-02-01T00:00:00Z", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&from=2025-01-01&until=2024-01-01", "badArgument"},
		{"verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=x", "badArgument"},
		{"verb=GetRecord&metadataPrefix=oai_dc", "badArgument"},
		{"verb=ListIdentifiers&resumptionToken=garbage", "badResumptionToken"},
		{"verb=ListSets&resumptionToken=abc", "badResumptionToken"},
		{"verb=ListRecords&metadataPrefix=marcxml", "cannotDisseminateFormat"},
		{"verb=GetRecord&metadataPrefix=mods&identifier=" + o.oaiID("pub"), "cannotDisseminateFormat"},
		{"verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:promo-archive.local:nope", "idDoesNotExist"},
		{"verb=GetRecord&metadataPrefix=oai_dc&identifier=" + o.oaiID("internal"), "idDoesNotExist"},
		{"verb=GetRecord&metadataPrefix=oai_dc&identifier=" + o.oaiID("draft"), "idDoesNotExist"},
		{"verb=ListMetadataFormats&identifier=oai:other:1", "idDoesNotExist"},
		{"verb=ListRecords&metadataPrefix=oai_dc&from=2099-01-01", "noRecordsMatch"},
		{"verb=ListIdentifiers&metadataPrefix=oai_dc&set=category:lich-su", "noRecordsMatch"},
	} {
		t.Run(c.query, func(t *testing.T) {
			d := o.oai(t, c.query)
			if d.Error == nil || d.Error.Code != c.code {
				t.Fatalf("error %+v, want %s", d.Error, c.code)
			}
			if (c.code == "badVerb" || c.code == "badArgument") && d.Request.Verb != "" {
				t.Errorf("request element keeps its attributes on %s", c.code)
			}
		})
	}
}

func TestOAIVerbs(t *testing.T) {
	o := newOAIFixture(t, 100)
	d := o.oai(t, "verb=Identify")
	if d.Identify == nil || d.Identify.Deleted != "persistent" || d.Identify.Granularity != "YYYY-MM-DDThh:mm:ssZ" ||
		d.Identify.Earliest != "2024-02-10T02:00:00Z" || d.Request.URL != o.ts.URL+"/oai" {
		t.Errorf("Identify %+v %+v", d.Identify, d.Request)
	}
	if d := o.oai(t, "verb=ListMetadataFormats&identifier="+o.oaiID("pub")); !slices.Equal(d.Formats, []string{"oai_dc"}) {
		t.Errorf("formats %v", d.Formats)
	}
	d = o.oai(t, "verb=ListSets")
	for _, want := range []string{"category", "category:van-hoa-le-hoi", "place", "place:290"} {
		if !slices.Contains(d.Sets, want) {
			t.Errorf("sets lack %s", want)
		}
	}
	d = o.oai(t, "verb=GetRecord&metadataPrefix=oai_dc&identifier="+o.oaiID("pub"))
	if d.Record == nil || len(d.Record.Titles) != 2 || d.Record.Titles[0].Lang != "en" || d.Record.Titles[1].Value != "Lễ hội Côn Sơn" ||
		!slices.Contains(d.Record.Rights, "http://creativecommons.org/licenses/by/4.0/") {
		t.Errorf("GetRecord %+v", d.Record)
	}
	// Only public published records; selective by set and date.
	for _, c := range []struct {
		query string
		n     int
	}{
		{"", 1},
		{"&set=category", 1},
		{"&set=place:290", 1},
		{"&from=2024-02-10&until=2024-02-10", 1},
		{"&from=2024-02-10T02:00:00Z&until=2024-02-10T02:00:00Z", 1},
	} {
		d := o.oai(t, "verb=ListIdentifiers&metadataPrefix=oai_dc"+c.query)
		if len(d.Headers) != c.n || d.Headers[0].Identifier != o.oaiID("pub") || d.Token != nil {
			t.Errorf("%s: %+v", c.query, d.Headers)
		}
	}
	// POST answers the same.
	resp, err := http.PostForm(o.ts.URL+"/oai", url.Values{"verb": {"ListRecords"}, "metadataPrefix": {"oai_dc"}})
	if err != nil {
		t.Fatal(err)
	}
	var pd oaiDoc
	if err := xml.NewDecoder(resp.Body).Decode(&pd); err != nil || len(pd.Records) != 1 {
		t.Errorf("POST: %v %+v", err, pd)
	}
	resp.Body.Close()
}

// TestOAIHarvestResumesAndSeesDeletions pages one record at a time through
// a server restart, then withdraws one record and makes another internal:
// both come back as deleted, with later datestamps.
func TestOAIHarvestResumesAndSeesDeletions(t *testing.T) {
	o := newOAIFixture(t, 1)
	ctx := t.Context()
	// Publish the draft, so that three records are exposed.
	pub := archive.Published
	title := map[string]string{"vi": "Bản nháp đã duyệt"}
	if _, _, err := curation.New(o.a).Edit(ctx, o.ids["draft"], curation.Edit{Title: title, Status: new(archive.Review)}, archive.Actor{Who: "t", Via: archive.ViaAPI}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := curation.New(o.a).Edit(ctx, o.ids["draft"], curation.Edit{Status: &pub}, archive.Actor{Who: "t", Via: archive.ViaAPI}); err != nil {
		t.Fatal(err)
	}
	harvest := func(from string) map[string]string {
		got := map[string]string{}
		q := "verb=ListIdentifiers&metadataPrefix=oai_dc" + from
		for range 10 {
			d := o.oai(t, q)
			if d.Error != nil {
				t.Fatalf("%s: %s", q, d.Error.Code)
			}
			for _, h := range d.Headers {
				got[h.Identifier] = h.Status
			}
			if d.Token == nil || d.Token.Value == "" {
				return got
			}
			if d.Token.Size < 1 || d.Token.Cursor != len(got)-1 {
				t.Errorf("token %+v after %d", d.Token, len(got))
			}
			o.restart(1) // the token outlives the server
			q = "verb=ListIdentifiers&resumptionToken=" + url.QueryEscape(d.Token.Value)
		}
		t.Fatal("the harvest does not end")
		return nil
	}
	got := harvest("")
	if len(got) != 2 || got[o.oaiID("pub")] != "" || got[o.oaiID("draft")] != "" {
		t.Fatalf("first harvest %v", got)
	}
	start := time.Unix(o.clock.Load(), 0).UTC().Format(oaiGranular)
	withdrawn, internal := archive.Withdrawn, archive.Internal
	if _, _, err := curation.New(o.a).Edit(ctx, o.ids["pub"], curation.Edit{Status: &withdrawn}, archive.Actor{Who: "t", Via: archive.ViaAPI}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := curation.New(o.a).Edit(ctx, o.ids["draft"], curation.Edit{Visibility: &internal}, archive.Actor{Who: "t", Via: archive.ViaAPI}); err != nil {
		t.Fatal(err)
	}
	got = harvest("&from=" + start)
	if len(got) != 2 || got[o.oaiID("pub")] != "deleted" || got[o.oaiID("draft")] != "deleted" {
		t.Errorf("incremental harvest %v", got)
	}
	d := o.oai(t, "verb=GetRecord&metadataPrefix=oai_dc&identifier="+o.oaiID("pub"))
	if d.Record == nil || d.Record.Header.Status != "deleted" || len(d.Record.Titles) != 0 {
		t.Errorf("deleted record %+v", d.Record)
	}
	// The internal record that never was public stays unknown.
	if d := o.oai(t, "verb=GetRecord&metadataPrefix=oai_dc&identifier="+o.oaiID("internal")); d.Error == nil {
		t.Error("a never-public record is known")
	}
	// Tokens expire.
	first := o.oai(t, "verb=ListIdentifiers&metadataPrefix=oai_dc")
	if first.Token == nil {
		t.Fatal("no token")
	}
	o.clock.Add(2 * 3600)
	if d := o.oai(t, "verb=ListIdentifiers&resumptionToken="+url.QueryEscape(first.Token.Value)); d.Error == nil || d.Error.Code != "badResumptionToken" {
		t.Errorf("expired token: %+v", d.Error)
	}
	if d := o.oai(t, "verb=ListRecords&resumptionToken="+url.QueryEscape(first.Token.Value)); d.Error == nil || d.Error.Code != "badResumptionToken" {
		t.Errorf("token of another verb: %+v", d.Error)
	}
}

func FuzzOAIToken(f *testing.F) {
	f.Add(oaiToken{Verb: "ListRecords", Prefix: "oai_dc", AfterID: "x", Expires: time.Unix(1<<40, 0)}.encode())
	f.Add("")
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := decodeOAIToken(s, time.Unix(0, 0))
		if err == nil && tok.encode() != s {
			// Any accepted token re-encodes to itself: the checksum covers it all.
			if _, err2 := decodeOAIToken(tok.encode(), time.Unix(0, 0)); err2 != nil {
				t.Fatalf("%q decoded but its re-encoding does not", s)
			}
		}
	})
}

// TestOAIHarvestWithHTTPOAI harvests the repository with Perl's HTTP::OAI,
// two records a page, and compares what it got with the catalogue; then an
// incremental harvest picks up an edit and a withdrawal.
func TestOAIHarvestWithHTTPOAI(t *testing.T) {
	if _, err := exec.LookPath("perl"); err != nil {
		t.Skip("perl is missing; CI installs libhttp-oai-perl (.ci/run)")
	}
	if err := exec.Command("perl", "-MHTTP::OAI", "-e1").Run(); err != nil {
		t.Skip("HTTP::OAI is missing: apt-get install libhttp-oai-perl (.ci/run does)")
	}
	o := newOAIFixture(t, 2)
	for i := range 5 {
		rec := baseRecord("anh-"+strconv.Itoa(i)+".jpg", archive.Public, archive.Published,
			map[string]string{"vi": "Ảnh số " + strconv.Itoa(i), "en": "Photo " + strconv.Itoa(i)})
		putAsset(t, o.a, rec, jpegBytes(t, 20, 10, uint8(100+i)), jpegBytes(t, 8, 4, 1))
		o.ids["extra"+strconv.Itoa(i)] = rec.ID
	}
	harvest := func(from string) map[string][3]string {
		args := []string{filepath.Join("testdata", "oai_harvest.pl"), o.ts.URL + "/oai"}
		if from != "" {
			args = append(args, from)
		}
		out, err := exec.CommandContext(t.Context(), "perl", args...).Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Fatalf("harvest: %v\n%s", err, ee.Stderr)
			}
			t.Fatal(err)
		}
		got := map[string][3]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.Split(line, "\t")
			if f[0] == "identify" {
				if len(f) != 4 || f[2] != "persistent" || f[3] != "YYYY-MM-DDThh:mm:ssZ" {
					t.Errorf("Identify: %q", line)
				}
				continue
			}
			if len(f) != 4 {
				t.Fatalf("line %q", line)
			}
			got[f[0]] = [3]string{f[1], f[2], f[3]}
		}
		return got
	}
	// The catalogue: what an anonymous caller may see, titles in every language.
	want := map[string]string{}
	err := o.a.Store().ForEach(func(r *archive.Record) error {
		if visibleTo(Principal{}, r, time.Now()) {
			titles := slices.Sorted(maps.Values(r.Title))
			want["oai:promo-archive.local:"+r.ID] = strings.Join(titles, " | ")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := harvest("")
	if len(got) != len(want) || len(want) != 6 {
		t.Errorf("harvested %d records, the catalogue has %d (want 6)", len(got), len(want))
	}
	for id, titles := range want {
		if g, ok := got[id]; !ok || g[0] != "ok" || g[2] != titles {
			t.Errorf("%s: harvested %q, catalogue %q", id, g, titles)
		}
	}
	start := time.Now().UTC().Format(oaiGranular)
	en := map[string]string{"en": "Photo zero, retitled"}
	if _, _, err := curation.New(o.a).Edit(t.Context(), o.ids["extra0"], curation.Edit{Title: en}, archive.Actor{Who: "t", Via: archive.ViaAPI}); err != nil {
		t.Fatal(err)
	}
	withdrawn := archive.Withdrawn
	if _, _, err := curation.New(o.a).Edit(t.Context(), o.ids["extra1"], curation.Edit{Status: &withdrawn}, archive.Actor{Who: "t", Via: archive.ViaAPI}); err != nil {
		t.Fatal(err)
	}
	got = harvest(start)
	edited, gone := o.oaiID("extra0"), o.oaiID("extra1")
	if len(got) != 2 || got[edited][0] != "ok" || got[edited][2] != "Photo zero, retitled | Ảnh số 0" || got[gone][0] != "deleted" {
		t.Errorf("incremental harvest from %s: %q", start, got)
	}
}
