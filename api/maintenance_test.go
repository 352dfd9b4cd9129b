package api

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// followJob polls the job at path as who until it is finished.
func (f *fixture) followJob(t *testing.T, loc, who string) Job {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		code, body, _ := f.get(loc, who)
		var j Job
		if code != http.StatusOK || json.Unmarshal(body, &j) != nil {
			t.Fatalf("GET %s: %d %s", loc, code, body)
		}
		if j.Finished() {
			return j
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("job %s did not finish", loc)
	return Job{}
}

func TestMaintenanceJobs(t *testing.T) {
	f := newFixture(t, nil)
	for _, c := range []struct {
		path, body string
		check      func(t *testing.T, j Job)
	}{
		{"/v1/verify", "", func(t *testing.T, j Job) {
			if j.Verify == nil || j.Verify.Checked != 3 || len(j.Verify.Problems) != 0 {
				t.Errorf("verify report %+v", j.Verify)
			}
		}},
		{"/v1/reindex", "", func(t *testing.T, j Job) {
			if j.Reindex == nil || j.Reindex.Records != 3 {
				t.Errorf("reindex summary %+v", j.Reindex)
			}
		}},
		{"/v1/rethumb", `{"all": true, "workers": 2}`, func(t *testing.T, j Job) {
			if j.Rethumb == nil || j.Rethumb.Rendered != 3 || j.Rethumb.Selected != 2 {
				t.Errorf("rethumb report %+v (the request did not reach the renderer)", j.Rethumb)
			}
		}},
	} {
		t.Run(c.path, func(t *testing.T) {
			for who, want := range map[string]int{"": http.StatusUnauthorized, "curator": http.StatusForbidden, "agency": http.StatusForbidden} {
				resp := f.do(http.MethodPost, c.path, who, strings.NewReader(c.body), "Content-Type", "application/json")
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Errorf("as %q: %d, want %d", who, resp.StatusCode, want)
				}
			}
			resp := f.do(http.MethodPost, c.path, "admin", strings.NewReader(c.body), "Content-Type", "application/json")
			var j Job
			json.NewDecoder(resp.Body).Decode(&j)
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted || resp.Header.Get("Location") != "/v1/jobs/"+j.ID {
				t.Fatalf("as admin: %d %+v", resp.StatusCode, j)
			}
			done := f.followJob(t, "/v1/jobs/"+j.ID, "admin")
			if done.State != JobDone || done.Kind != strings.TrimPrefix(c.path, "/v1/") || done.By != "Sở Du lịch admin" {
				t.Errorf("job %+v", done)
			}
			c.check(t, done)
			// Its page names what kind of job it is.
			if code, body := newBrowser(f, "admin").get("/jobs/" + j.ID + "?lang=en"); code != http.StatusOK ||
				!strings.Contains(body, "<h1>"+strings.ToUpper(done.Kind[:1])+done.Kind[1:]+" progress</h1>") {
				t.Errorf("job page: %d\n%s", code, body)
			}
			// The finished job is kept in the jobs table with its report.
			code, body, _ := f.get("/v1/jobs?kind="+done.Kind, "curator")
			if code != http.StatusOK || !strings.Contains(string(body), j.ID) {
				t.Errorf("jobs of kind %s: %d %s", done.Kind, code, body)
			}
		})
	}
	resp := f.do(http.MethodPost, "/v1/rethumb", "admin", strings.NewReader(`{"workers": -1}`), "Content-Type", "application/json")
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("rethumb with -1 workers: %d", resp.StatusCode)
	}
}

func TestReportEndpoint(t *testing.T) {
	f := newFixture(t, nil)
	year := time.Now().In(f.a.Location()).Format("2006")
	for _, c := range []struct {
		name, query, who string
		code             int
		ctype, text      string
	}{
		{"anonymous", "period=" + year, "", http.StatusUnauthorized, "", ""},
		{"curator", "period=" + year, "curator", http.StatusForbidden, "", ""},
		{"markdown", "period=" + year, "admin", http.StatusOK, "text/markdown; charset=utf-8", "# "},
		{"csv", "period=" + year + "&format=csv", "admin", http.StatusOK, "text/csv; charset=utf-8", "section,key,label,role,count"},
		{"json department", "period=" + year + "&format=json&department=S%E1%BB%9F+V%C4%83n+ho%C3%A1", "admin", http.StatusOK, "application/json; charset=utf-8", "Sở Văn hoá"},
		{"no period", "", "admin", http.StatusBadRequest, "", ""},
		{"bad period", "period=2026-H3", "admin", http.StatusBadRequest, "", ""},
		{"bad format", "period=" + year + "&format=pdf", "admin", http.StatusBadRequest, "", ""},
		{"bad tz", "period=" + year + "&tz=Mars/Olympus", "admin", http.StatusBadRequest, "", ""},
		{"unknown parameter", "period=" + year + "&colour=red", "admin", http.StatusBadRequest, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, body, hdr := f.get("/v1/report?"+c.query, c.who)
			if code != c.code {
				t.Fatalf("%d, want %d: %s", code, c.code, body)
			}
			if c.code != http.StatusOK {
				checkProblem(t, c.name, code, body, hdr)
				return
			}
			if hdr.Get("Content-Type") != c.ctype || !strings.Contains(string(body), c.text) {
				t.Errorf("%s\n%s", hdr.Get("Content-Type"), body)
			}
		})
	}
}

func TestImportMetadataEndpoint(t *testing.T) {
	f := newFixture(t, nil)
	id := f.ids["pub"]
	sheet := "id,title_vi,keywords\n" + id[:10] + ",Đình làng Mộ Trạch,đình làng\n"
	post := func(query, who, body string) (int, []byte, http.Header) {
		resp := f.do(http.MethodPost, "/v1/metadata/import"+query, who, strings.NewReader(body), "Content-Type", "text/csv")
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b, resp.Header
	}
	for who, want := range map[string]int{"": http.StatusUnauthorized, "agency": http.StatusForbidden} {
		if code, _, _ := post("", who, sheet); code != want {
			t.Errorf("as %q: %d, want %d", who, code, want)
		}
	}
	type report struct {
		Rows []struct {
			ID      string
			Error   string
			Changes []struct{ Field, Who, Via string }
		}
		Changed, Unchanged, Failed int
	}
	var rep report
	code, body, _ := post("?dry_run=true&name=sheet.csv", "curator", sheet)
	if code != http.StatusOK || json.Unmarshal(body, &rep) != nil || rep.Changed != 1 || len(rep.Rows) != 1 || len(rep.Rows[0].Changes) != 2 {
		t.Fatalf("dry run: %d %s", code, body)
	}
	if rec, _ := f.a.Store().Get(id); rec.Title["vi"] == "Đình làng Mộ Trạch" {
		t.Fatal("the dry run wrote")
	}
	code, body, _ = post("?name=sheet.csv", "curator", sheet)
	if code != http.StatusOK || json.Unmarshal(body, &rep) != nil || rep.Changed != 1 {
		t.Fatalf("import: %d %s", code, body)
	}
	if c := rep.Rows[0].Changes[0]; c.Who != "Sở Du lịch curator" || c.Via != "csv" {
		t.Errorf("audit entry %+v", c)
	}
	// The live index is told: the new title is found at once.
	if code, body, _ := f.get("/v1/assets?q=M%E1%BB%99+Tr%E1%BA%A1ch", "curator"); code != http.StatusOK || !strings.Contains(string(body), id) {
		t.Errorf("search after the import: %d %s", code, body)
	}
	code, body, _ = post("?name=sheet.csv", "curator", "id,title_vi\n"+id+",x\nffffffffffff,y\n")
	if code != http.StatusOK || json.Unmarshal(body, &rep) != nil || rep.Failed != 1 || !strings.Contains(rep.Rows[1].Error, "sheet.csv") {
		t.Errorf("a refused row: %d %s", code, body)
	}
	code, body, hdr := post("", "curator", "id,colour\n"+id+",red\n")
	checkProblem(t, "unknown column", http.StatusBadRequest, body, hdr)
	if code != http.StatusBadRequest || !strings.Contains(string(body), "colour") {
		t.Errorf("unknown column: %d %s", code, body)
	}
	if code, _, _ := post("?dry_run=maybe", "curator", sheet); code != http.StatusBadRequest {
		t.Errorf("dry_run=maybe: %d", code)
	}
}
